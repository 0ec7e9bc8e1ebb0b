namespace MaternityCloud.Tests.Infrastructure;

/// <summary>Waits for an outcome that arrives asynchronously (an event crossing RabbitMQ), failing with what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (Exception e)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0}s waiting for {what}. Last error: {last?.Message}");
    }

    public static async Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        await Get<object>(async () => await probe() ? new object() : null, timeout, what);
}
