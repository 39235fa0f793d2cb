using System.Text.RegularExpressions;
using CustomerTrack.Configuration;
using CustomerTrack.Formats;
using CustomerTrack.Snowflake;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>
/// The Snowflake plan holds rows to the contract the local engines hold them to: blank lines are no records, values are
/// typed by the same shapes (never by the session's AUTO formats) and ranges, ragged CSV records are rejected, positions
/// are never a guess, and generated names never meet. What runs offline runs on DuckDB; the rest is the generated text.
/// </summary>
public sealed partial class SnowflakeContractTests
{
    /// <summary>Values of each type, with whether the shape Snowflake checks before parsing takes them.</summary>
    public static TheoryData<string, string, bool> Shapes() => new()
    {
        { "int32", "42", true }, { "int32", "-7", true }, { "int32", "+7", true }, { "int32", "1.5", false }, { "int32", "1e3", false },
        { "int32", "2147483648", true }, { "int64", "9223372036854775808", true }, { "int64", "12 34", false }, { "int64", "0x10", false },
        { "double", "1.5", true }, { "double", "-.5", true }, { "double", "1e-3", true }, { "double", "NaN", false }, { "double", "inf", false },
        { "double", "1,5", false }, { "decimal(12,2)", "12.34", true }, { "decimal(12,2)", "1 000", false },
        { "bool", "true", true }, { "bool", "FALSE", true }, { "bool", "yes", true }, { "bool", "1", true }, { "bool", "t", true },
        { "bool", "on", false }, { "bool", "off", false }, { "bool", "truth", false },
        { "date", "2026-01-01", true }, { "date", "20260101", false }, { "date", "01/02/2026", false }, { "date", "2026-1-1", false },
        { "date", "2026-02-30", true },
        { "timestamp", "2026-01-01", true }, { "timestamp", "2026-01-01T10:15", true }, { "timestamp", "2026-01-01 10:15:00", true },
        { "timestamp", "2026-01-01T10:15:00.1234567Z", true }, { "timestamp", "2026-01-01T10:15:00+02:00", true },
        { "timestamp", "2026-01-01 10:15-05:00", true }, { "timestamp", "20260101", false }, { "timestamp", "01/02/2026 10:00", false },
        { "timestamp", "2026-01-01T10:15:00.123456789Z", true }, { "timestamp", "2026-01-01t10:15:00z", true },
        { "timestamp", "2026-01-01T10:15:00.1234567891Z", true }, { "timestamp", "2026-01-01T10:15:00.Z", true }, { "timestamp", "1767225600", false }, { "timestamp", "2026-01-01T10", false },
        { "timestamp", "2026-01-01T10:15:00+0200", true }, { "timestamp", "2026-01-01T10:15:00 CET", false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_value_snowflake_would_parse_has_the_shape_our_readers_take(string type, string text, bool shaped)
    {
        var columnType = ColumnType.TryParse(type)!;
        var shape = SnowflakeTypes.Shape(columnType.Kind)!;
        var ours = Values.FromText(text, columnType, out _) is null;

        Assert.Equal(shaped, Regex.IsMatch(text.Trim(), $"^(?:{shape})$"));
        Assert.False(ours && !shaped, $"our readers take '{text}' as {type}, the Snowflake shape does not");
        // A value of the right shape our readers still refuse (2026-02-30, a number past the type's range) is refused by
        // the pinned parse or the range check after the shape.
        var typed = SnowflakeTypes.Typed(columnType, "r.\"V\"");
        Assert.StartsWith($"CASE WHEN TRIM(r.\"V\") RLIKE '{shape}' THEN ", typed);
    }

    [Theory]
    [InlineData("int32", "BETWEEN -2147483648 AND 2147483647")]
    [InlineData("int64", "BETWEEN -9223372036854775808 AND 9223372036854775807")]
    [InlineData("date", "TRY_TO_DATE(TRIM(r.\"V\"), 'YYYY-MM-DD')")]
    [InlineData("timestamp", "TRY_TO_TIMESTAMP_TZ(")]
    public void Whole_numbers_are_range_checked_and_dates_and_times_parsed_with_pinned_formats(string type, string expected)
    {
        var typed = SnowflakeTypes.Typed(ColumnType.TryParse(type)!, "r.\"V\"");

        Assert.Contains(expected, typed);
        // Never the session's DATE_INPUT_FORMAT / TIMESTAMP_INPUT_FORMAT: every date or time parse names its format.
        Assert.Equal(Regex.Count(typed, @"TRY_TO_(DATE|TIMESTAMP_TZ)\("), TimeParse().Count(typed));
    }

    [Fact]
    public void Csv_files_skip_blank_lines_and_load_an_empty_field_as_empty_text_so_a_null_is_a_missing_field()
    {
        var plan = Plan("csv");
        var format = plan.Statements().Single(s => s.Step == PlanStep.FileFormat).Sql;

        Assert.Contains("SKIP_BLANK_LINES = TRUE", format);
        Assert.Contains("EMPTY_FIELD_AS_NULL = FALSE", format);
        Assert.Contains("\"_RAGGED\"", plan.RawRows.TypeBatch());
        Assert.Contains("'has fewer fields than the header'", plan.RawRows.LoadRejects());
    }

    /// <summary>
    /// Raw rows as Snowflake loads them with EMPTY_FIELD_AS_NULL = FALSE: '' an empty field, NULL a field the record
    /// lacks. File b has no "name" column at all (every record NULL there), which is not ragged; our readers take it too.
    /// </summary>
    [Fact]
    public void A_record_with_fewer_fields_than_its_header_is_ragged_and_a_column_the_file_lacks_is_not()
    {
        var plan = Plan("csv");
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        Execute(db, "ATTACH ':memory:' AS customertrack; CREATE SCHEMA customertrack.public");
        Execute(db, $"CREATE TABLE {plan.Names.Raw} ({string.Join(", ", plan.RawRows.RawColumns().Select(c => c.Quoted + " VARCHAR"))})");
        Execute(db, $"""
            INSERT INTO {plan.Names.Raw} ("ID", "NAME", "_FILE", "_ROW") VALUES
              ('1', 'Ann', 'a.csv', '1'), ('2', '', 'a.csv', '2'), ('3', NULL, 'a.csv', '3'), (NULL, NULL, 'a.csv', '4'),
              ('4', NULL, 'b.csv', '1'), ('5', NULL, 'b.csv', '2')
            """);

        var ragged = Rows(db, $"SELECT r.\"ID\", r.\"_RAGGED\" FROM {plan.RawRows.Rows(plan.Names.Raw)} ORDER BY r.\"_FILE\", r.\"_ROW\"");

        Assert.Equal(["1|False", "2|False", "3|True", "∅|True", "4|False", "5|False"], ragged);
        Assert.Contains("FALSE AS \"_RAGGED\"", Plan("ndjson").RawRows.Rows("x"));
    }

    [Theory]
    [InlineData("csv", "CAST(NULL AS NUMBER) AS \"LINE\", r.\"_ROW\" AS \"RECORD\"")]
    [InlineData("ndjson", "CAST(NULL AS NUMBER) AS \"LINE\", r.\"_ROW\" AS \"RECORD\"")]
    [InlineData("parquet", "r.\"_ROW\" AS \"LINE\", r.\"_ROW\" AS \"RECORD\"")]
    public void A_rejected_row_gives_its_line_only_where_snowflake_knows_it_and_always_its_record_number(string format, string expected)
    {
        var plan = Plan(format);

        Assert.Contains(expected, plan.RawRows.LoadRejects());
        Assert.DoesNotContain("\"_ROW\" + 1", plan.RawRows.LoadRejects() + plan.RawRows.TypeBatch());
        Assert.Contains("DATEADD(MICROSECOND, r.\"_ROW\", ", plan.RawRows.TypeBatch());
    }

    public static TheoryData<string[], string?> Names() => new()
    {
        { ["a", "a_ledger"], "table a's typed ledger and table a_ledger's SCD1 table would both be named A_LEDGER" },
        { ["a", "a_load"], "table a_load's SCD2 table" },
        { ["a", "a_stage"], "table a's stage and table a_stage's SCD1 table would both be named A_STAGE" },
        { ["a", "b", "a_b", "ab_ledger"], null },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Generated_names_that_meet_are_refused_naming_both_tables(string[] tables, string? error)
    {
        var settings = new Settings();
        foreach (var t in tables)
        {
            settings.Tables[t] = new TableSettings { Key = ["id"], Columns = new() { ["id"] = "int64" } };
        }

        settings.Validate();

        if (error is null)
        {
            SnowflakeNames.CheckDistinct(settings.Definitions);
            return;
        }

        var e = Assert.Throws<CustomerTrackException>(() => SnowflakeNames.CheckDistinct(settings.Definitions));
        Assert.Contains(error, e.Message);
    }

    private static SnowflakePlan Plan(string format)
    {
        var settings = new Settings();
        settings.Tables["notes"] = new TableSettings { Key = ["id"], Columns = new() { ["id"] = "int64", ["name"] = "string" }, Format = format };
        settings.Validate();
        return new SnowflakePlan(settings.Definitions[0], SnowflakePlanOptions.From(settings, stageUrl: "s3://b/p"));
    }

    private static void Execute(DuckDBConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Rows(DuckDBConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : reader.GetValue(i).ToString())));
        }

        return rows;
    }

    [GeneratedRegex(@"'YYYY-MM-DD[^']*'\)")]
    private static partial Regex TimeParse();
}
