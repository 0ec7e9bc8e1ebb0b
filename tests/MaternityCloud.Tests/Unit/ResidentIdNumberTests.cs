using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Tests.Unit;

public sealed class ResidentIdNumberTests
{
    [Theory]
    [InlineData("11010519491231002X", 1949, 12, 31)] // the standard's own example, check character X
    [InlineData("440524188001010014", 1880, 1, 1)]
    [InlineData("11010519491231002x", 1949, 12, 31)] // lower-case x is read as X
    public void Accepts_numbers_whose_check_character_matches(string text, int year, int month, int day)
    {
        Assert.True(ResidentIdNumber.TryParse(text, out var id, out var error), error);
        Assert.Equal(text.ToUpperInvariant(), id.Value);
        Assert.Equal(new DateOnly(year, month, day), id.BirthDate);
    }

    [Theory]
    [InlineData("110105194912310021", "the check character does not match (ISO 7064 MOD 11-2)")]
    [InlineData("11010519491231002", "must be 18 characters")]
    [InlineData("1101051949123100211", "must be 18 characters")]
    [InlineData("", "must be 18 characters")]
    [InlineData("1101051949A231002X", "character 11 must be a digit")]
    [InlineData("11010519491331002X", "characters 7-14 must be a valid birth date (yyyyMMdd)")]
    [InlineData("11010518001231002Y", "the check character must be a digit or X")]
    public void Refuses_malformed_numbers_with_the_reason(string text, string expectedError)
    {
        Assert.False(ResidentIdNumber.TryParse(text, out _, out var error));
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Computes_the_check_character_for_every_remainder()
    {
        // Seventeen digits chosen so the weighted sum covers all 11 remainders: each maps to "10X98765432".
        var seen = new HashSet<char>();
        for (var n = 0; n < 200 && seen.Count < 11; n++)
        {
            var first17 = $"11010519900101{n:000}";
            var check = ResidentIdNumber.ComputeCheckCharacter(first17);
            seen.Add(check);
            Assert.True(ResidentIdNumber.TryParse(first17 + check, out _, out _));
        }
        Assert.Equal("0123456789X".ToHashSet(), seen);
    }

    [Fact]
    public void Shows_itself_masked()
    {
        ResidentIdNumber.TryParse("11010519491231002X", out var id, out _);
        Assert.Equal("110105********002X", id.ToString());
        Assert.Equal("110105********002X", id.Masked);
    }
}
