using MaternityCloud.AppHost.Dashboard.Telemetry;

namespace MaternityCloud.Tests.Unit;

public sealed class AttributePoolTests
{
    [Fact]
    public void Recurring_attributes_and_names_share_one_instance_and_long_values_are_kept_as_given()
    {
        var pool = new AttributePool();
        var first = pool.Attribute(new string("rpc.system".AsSpan()), new string("grpc".AsSpan()));
        var again = pool.Attribute(new string("rpc.system".AsSpan()), new string("grpc".AsSpan()));
        var id = new string('a', 200);
        var withId = pool.Attribute("messaging.message.id", id);

        Assert.Same(first, again);
        Assert.Equal(new MaternityCloud.AppHost.Dashboard.Telemetry.Attribute("rpc.system", "grpc"), first);
        Assert.Same(pool.Text(new string("claims".AsSpan())), pool.Text(new string("claims".AsSpan())));
        Assert.Same(id, withId.Value);
        Assert.NotSame(withId, pool.Attribute("messaging.message.id", id));
    }

    [Fact]
    public void A_full_pool_starts_over_and_still_answers_equal_values()
    {
        var pool = new AttributePool(capacity: 3);
        var kept = pool.Attribute("k", "0");
        for (var i = 1; i <= 3; i++) pool.Attribute("k", i.ToString());

        var after = pool.Attribute("k", "0");

        Assert.Equal(kept, after);
        Assert.NotSame(kept, after); // the old generation was let go: nothing pins what stopped recurring
        Assert.Same(after, pool.Attribute("k", "0"));
    }
}
