using CustomerTrack.Configuration;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Configuration;

/// <summary>
/// A table definition that cannot be kept fails at start-up with one line naming the setting at fault and what it
/// allows, never later in SQL.
/// </summary>
public sealed class TableSettingsTests
{
    /// <summary>The product table with <paramref name="change"/> applied to its JSON text.</summary>
    private static string Product(Func<string, string> change) => $$"""
        { "Tables": { {{change("""
            "product": {
              "Format": "csv",
              "Key": ["sku", "region"],
              "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)",
                           "launched": "date", "stock": "int64", "active": "bool" },
              "EventTime": "changed_at",
              "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } },
              "Scd": { "TrackHistoryExcept": ["stock"] }
            }
            """)}} } }
        """;

    public static TheoryData<string, string, string, string> BadDefinitions() => new()
    {
        { "a type that is none of the allowed", "\"stock\": \"int64\"", "\"stock\": \"integer\"", "Tables:product:Columns:stock|'integer' is not a type; use one of string, int32, int64, double, decimal(p,s), bool, date, timestamp" },
        { "a decimal wider than 38 digits", "decimal(12,2)", "decimal(40,2)", "Tables:product:Columns:price|'decimal(40,2)' is not a type" },
        { "a decimal whose scale exceeds its precision", "decimal(12,2)", "decimal(2,3)", "Tables:product:Columns:price|'decimal(2,3)' is not a type" },
        { "a reserved word as a column", "\"name\": \"string\"", "\"select\": \"string\"", "Tables:product:Columns|column 'select' is a reserved SQL word; name the column otherwise and map the file's column to it with Rename (\"Rename\": { \"select\": \"select_\" })" },
        { "a reserved word as a table", "\"product\": {", "\"order\": {", "Tables|table 'order' is a reserved SQL word; give the table another name (its files then go into landing/<that name>/)" },
        { "a column the warehouse adds", "\"name\": \"string\"", "\"is_current\": \"string\"", "Tables:product:Columns|'is_current' is a column the warehouse tables add themselves" },
        { "a name that is not an identifier", "\"name\": \"string\"", "\"full name\": \"string\"", "Tables:product:Columns|column 'full name' is not a name CustomerTrack takes" },
        { "a key not in Columns", "[\"sku\", \"region\"]", "[\"sku\", \"country\"]", "Tables:product:Key|'country' is not one of the table's Columns" },
        { "an empty key", "[\"sku\", \"region\"]", "[]", "Tables:product:Key|is empty" },
        { "an event time of the wrong type", "\"active\": \"bool\"", "\"active\": \"bool\", \"changed_at\": \"date\"", "Tables:product:EventTime|'changed_at' is a date column; the event time is a timestamp" },
        { "an event time that is a string key column", "\"changed_at\"", "\"sku\"", "Tables:product:EventTime|'sku' is a string column; the event time is a timestamp" },
        { "an op value that is no change kind", "\"d\": \"DELETE\"", "\"d\": \"REMOVE\"", "Tables:product:Op:Values:d|'REMOVE' is not allowed; use one of INSERT, UPDATE, UPSERT, DELETE" },
        { "an op column that is the key", "\"Column\": \"kind\"", "\"Column\": \"sku\"", "Tables:product:Op:Column|'sku' is the key or the event time" },
        { "TrackHistoryExcept naming a key column", "[\"stock\"]", "[\"sku\"]", "Tables:product:Scd:TrackHistoryExcept|'sku' is not allowed; use one of name, price, launched, stock, active" },
        { "TrackHistoryExcept naming the event time", "[\"stock\"]", "[\"changed_at\"]", "Tables:product:Scd:TrackHistoryExcept|'changed_at' is not allowed; use one of name," },
        { "TrackHistoryExcept naming an unknown column", "[\"stock\"]", "[\"weight\"]", "Tables:product:Scd:TrackHistoryExcept|'weight' is not allowed; use one of name," },
        { "a delete mode that is not allowed", "[\"stock\"]", "[\"stock\"], \"DeleteMode\": \"purge\"", "Tables:product:Scd:DeleteMode|'purge' is not allowed; use one of close, tombstone-row" },
        { "an unknown format", "\"csv\"", "\"xml\"", "Tables:product:Format|'xml' is not allowed; use one of csv, ndjson, parquet" },
        { "a delimiter of two characters", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Delimiter\": \";;\",", "Tables:product:Delimiter|';;' is not one character" },
        { "a quote of two characters", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Quote\": \"''\",", "Tables:product:Quote|'''' is not allowed; use one character other than the delimiter and a line break" },
        { "a quote that is the delimiter", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Delimiter\": \";\", \"Quote\": \";\",", "Tables:product:Quote|';' is not allowed; use one character other than the delimiter" },
        { "a line break as the quote", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Quote\": \"\\n\",", "Tables:product:Quote|'\\n' is not allowed" },
        { "an unknown encoding", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Encoding\": \"utf-16\",", "Tables:product:Encoding|'utf-16' is not allowed; use one of utf-8, latin-1" },
        { "a decimal separator other than . or ,", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"DecimalSeparator\": \";\",", "Tables:product:DecimalSeparator|';' is not allowed; use . or ," },
        { "a thousands separator that is the decimal separator", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"ThousandsSeparator\": \".\",", "Tables:product:ThousandsSeparator|'.' is not allowed; use one character other than the DecimalSeparator" },
        { "a thousands separator of two characters", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"ThousandsSeparator\": \"..\",", "Tables:product:ThousandsSeparator|'..' is not allowed" },
        { "a date format that holds no whole date", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"DateFormat\": \"MM.yyyy\",", "Tables:product:DateFormat|'MM.yyyy' is not a .NET custom date pattern that holds a whole date" },
        { "a date format that is no pattern", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"DateFormat\": \"%\",", "Tables:product:DateFormat|'%' is not a .NET custom date pattern" },
        { "a timestamp format without a time", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"TimestampFormat\": \"dd.MM.yyyy\",", "Tables:product:TimestampFormat|'dd.MM.yyyy' is not a .NET custom date and time pattern that holds a date and a time" },
        { "an unknown schema evolution", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"SchemaEvolution\": \"merge\",", "Tables:product:SchemaEvolution|'merge' is not allowed; use one of ignore, add" },
        { "a rename to no column", "\"Format\": \"csv\",", "\"Format\": \"csv\", \"Rename\": { \"title\": \"label\" },", "Tables:product:Rename:title|'label' is not a column of the table" },
        { "two defaults", "\"product\": {", "\"other\": { \"Default\": true, \"Key\": [\"id\"], \"Columns\": { \"id\": \"int64\" } }, \"product\": { \"Default\": true,", "Tables|other and product are both marked Default; one table at most may be" },
        { "a table whose history is another's name", "\"product\": {", "\"product_history\": { \"Key\": [\"id\"], \"Columns\": { \"id\": \"int64\" } }, \"product\": {", "Tables:product_history|would make 'product_history' (its SCD1 table), a name table product makes too" },
        { "a table named like the pipeline's own", "\"product\": {", "\"load_history\": { \"Key\": [\"id\"], \"Columns\": { \"id\": \"int64\" } }, \"product\": {", "Tables:load_history|table 'load_history' would make 'load_history' (its SCD1 table), a name the pipeline uses for its own table" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public void A_bad_table_definition_fails_in_one_line_naming_the_setting(string what, string replace, string with, string expected)
    {
        using var tmp = new TempWorkspace();
        var json = Product(t =>
        {
            Assert.True(t.Contains(replace, StringComparison.Ordinal), $"{what}: the product definition has no '{replace}'");
            return t.Replace(replace, with, StringComparison.Ordinal);
        });
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), json);

        var e = Assert.Throws<SettingsException>(() => tmp.Open());

        var setting = expected[..expected.IndexOf('|', StringComparison.Ordinal)];
        var message = expected[(setting.Length + 1)..];
        Assert.Equal(setting, e.Setting);
        Assert.StartsWith($"setting {setting}: {message}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_product_definition_itself_is_valid_and_keeps_its_written_column_order()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Product(t => t));

        var table = Assert.Single(tmp.Open().Settings.Definitions);

        Assert.Equal("product", table.Name);
        Assert.Equal(["sku", "region"], table.Key.Select(c => c.Name));
        Assert.Equal(["name:string", "price:decimal(12,2)", "launched:date", "stock:int64", "active:bool"],
            table.Attributes.Select(c => $"{c.Name}:{c.Type}"));
        Assert.Equal("changed_at", table.EventTime);
        Assert.Equal("kind", table.Op!.Column);
        Assert.Equal(["stock"], table.Scd.TrackHistoryExcept);
    }
}
