using MaternityCloud.Enrollment.Domain;

namespace MaternityCloud.Tests.Unit;

public sealed class UnifiedSocialCreditCodeTests
{
    [Theory]
    [InlineData("914403001922038216")] // published codes of real enterprises (Huawei, Tencent, Alibaba)
    [InlineData("91440300708461136T")]
    [InlineData("91330100799655058B")]
    [InlineData("91110108551385082q")] // lower case is read as upper case
    public void Accepts_codes_whose_check_character_matches(string text)
    {
        Assert.True(UnifiedSocialCreditCode.TryParse(text, out var code, out var error), error);
        Assert.Equal(text.ToUpperInvariant(), code.Value);
    }

    [Theory]
    [InlineData("91350100M000100Y44", "the check character does not match (GB 32100-2015)")]
    [InlineData("91350100M000100Y4", "must be 18 characters")]
    [InlineData("91350100I000100Y43", "character 9 'I' is not allowed (digits and A-Y without I, O, S, V, Z)")]
    public void Refuses_malformed_codes_with_the_reason(string text, string expectedError)
    {
        Assert.False(UnifiedSocialCreditCode.TryParse(text, out _, out var error));
        Assert.Equal(expectedError, error);
    }
}
