using MaternityCloud.BuildingBlocks.Domain;

namespace MaternityCloud.Tests.Unit;

public sealed class PersonalDataTests
{
    [Fact]
    public void Scrub_masks_id_numbers_and_mobile_numbers_in_free_text()
    {
        var text = "person 11010519491231002X phone 13912345678 registered; retry with id=440524188001010014.";
        Assert.Equal(
            "person 110105********002X phone 139****5678 registered; retry with id=440524********0014.",
            PersonalData.Scrub(text));
    }

    [Theory]
    [InlineData("account 6222021234567890123 paid")] // a 19-digit bank account is not an ID number
    [InlineData("order 20261122000000000001")]      // nor is a 20-digit serial
    [InlineData("fee 12345678901.00 yuan")]          // nor an 11-digit amount starting with 12
    [InlineData("trace 4bf92f3577b34da6a3ce929d0e0e4736")]
    public void Scrub_leaves_other_numbers_alone(string text)
    {
        Assert.Equal(text, PersonalData.Scrub(text));
    }

    [Fact]
    public void Masks_keep_enough_to_tell_records_apart()
    {
        Assert.Equal("139****5678", PersonalData.MaskPhone("13912345678"));
        Assert.Equal("110105********002X", PersonalData.MaskIdNumber("11010519491231002X"));
        Assert.Equal("*****", PersonalData.MaskPhone("12345"));
    }
}
