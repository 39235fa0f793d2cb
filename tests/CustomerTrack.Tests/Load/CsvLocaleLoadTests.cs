using System.Text;
using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// CSV tables that write numbers, dates and timestamps their own way (issue 23: DecimalSeparator, ThousandsSeparator,
/// DateFormat, TimestampFormat). Each value is stored as its text says in the table's way of writing, or its row is
/// rejected naming the field and the way the table writes it: never read another way (<c>1.250</c> is 1250 with
/// ThousandsSeparator <c>.</c>, and a reject in an int column without it, never 1.25). On both engines: the typed
/// ledger and the rejects table are the warehouse's contract.
/// </summary>
public abstract class CsvLocaleLoadTests
{
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    // german: ; . , dd.MM.yyyy; plain: the defaults (ISO 8601, a decimal point, no grouping); swiss: ' as thousands.
    private const string Settings = """
        {
          "Tables": {
            "german": {
              "Format": "csv", "Delimiter": ";", "DecimalSeparator": ",", "ThousandsSeparator": ".",
              "DateFormat": "dd.MM.yyyy", "TimestampFormat": "dd.MM.yyyy HH:mm",
              "Key": ["id"],
              "Columns": { "id": "int64", "pieces": "int32", "price": "decimal(10,2)", "weight": "double", "due": "date", "seen": "timestamp" }
            },
            "plain": {
              "Format": "csv", "Delimiter": ";",
              "Key": ["id"],
              "Columns": { "id": "int64", "pieces": "int32", "price": "decimal(10,2)", "weight": "double", "due": "date", "seen": "timestamp" }
            },
            "swiss": {
              "Format": "csv", "ThousandsSeparator": "'",
              "Key": ["id"],
              "Columns": { "id": "int64", "pieces": "int32", "price": "decimal(10,2)", "weight": "double", "due": "date", "seen": "timestamp" }
            }
          }
        }
        """;

    private const string Ledger = "SELECT id, pieces, price::VARCHAR, weight::VARCHAR, due::VARCHAR, seen::VARCHAR FROM {0}_raw ORDER BY _seq";

    /// <summary>One value in one table's way of writing: the column, its text, and the stored value or the reject's reason start.</summary>
    public sealed record LocaleCase(string Table, string Column, string Text, string? Stored, string? Reject)
    {
        public override string ToString() => $"{Table}.{Column}={Text}";
    }

    private static readonly LocaleCase[] All =
    [
        new("german", "pieces", "1.250", "1250", null),
        new("german", "pieces", "10.000", "10000", null),
        new("german", "pieces", "-1.250.000", "-1250000", null),
        new("german", "pieces", "1,5", null, "'1,5' is not an integer as this table writes them (DecimalSeparator ',', ThousandsSeparator '.')"),
        new("german", "pieces", "1.25", null, "'1.25' is not an integer as this table writes them"),
        new("german", "pieces", "12.50.000", null, "'12.50.000' is not an integer as this table writes them"),
        new("german", "price", "0,12", "0.12", null),
        new("german", "price", "1.234,5", "1234.50", null),
        new("german", "price", "0.12", null, "'0.12' is not a number as this table writes them"),
        new("german", "price", "0,123", null, "'0,123' has more than 2 decimal places (decimal(10,2))"),
        new("german", "weight", "2,5e3", "2500.0", null),
        new("german", "weight", "1,2,3", null, "'1,2,3' is not a number as this table writes them"),
        new("german", "due", "01.12.2026", "2026-12-01", null),
        new("german", "due", "2026-12-01", null, "'2026-12-01' is not a date as this table writes them (DateFormat dd.MM.yyyy)"),
        new("german", "due", "31.02.2026", null, "'31.02.2026' is not a date as this table writes them"),
        new("german", "seen", "01.12.2026 13:45", "2026-12-01 13:45:00", null),
        new("german", "seen", "2026-12-01T13:45:00Z", null, "'2026-12-01T13:45:00Z' is not a timestamp as this table writes them (TimestampFormat dd.MM.yyyy HH:mm)"),
        new("plain", "pieces", "1.250", null, "'1.250' is not a 32-bit integer"),
        new("plain", "weight", "1.250", "1.25", null),
        new("plain", "price", "0,12", null, "'0,12' is not a number"),
        new("plain", "due", "01.12.2026", null, "'01.12.2026' is not a date"),
        new("swiss", "pieces", "1'250", "1250", null),
        new("swiss", "price", "1'234.50", "1234.50", null),
        new("swiss", "price", "1.234,50", null, "'1.234,50' is not a number as this table writes them (DecimalSeparator '.', ThousandsSeparator ''')"),
        new("swiss", "due", "2026-12-01", "2026-12-01", null),
    ];

    public static TheoryData<string> Cases() => [.. All.Select(c => c.ToString())];

    private static string Row(LocaleCase c, char delimiter)
    {
        var columns = new[] { "id", "pieces", "price", "weight", "due", "seen" };
        var fields = columns.Select(col => col == "id" ? "1" : col == c.Column ? c.Text : "").ToArray();
        return string.Join(delimiter, columns) + "\n" + string.Join(delimiter, fields.Select(f => f.Contains(delimiter) ? $"\"{f}\"" : f)) + "\n";
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_csv_value_is_stored_as_its_table_writes_it_or_its_row_is_rejected_never_read_another_way(string name)
    {
        var c = All.Single(x => x.ToString() == name);
        using var tmp = new TempWorkspace(Engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings);
        var ws = tmp.Open();
        var dir = Path.Combine(tmp.Landing, c.Table);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "values.csv");
        File.WriteAllText(path, Row(c, c.Table == "swiss" ? ',' : ';'), Encoding.UTF8);
        File.SetLastWriteTimeUtc(path, Now.AddSeconds(-5));
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

        var stored = Db.Rows(ws, string.Format(System.Globalization.CultureInfo.InvariantCulture, Ledger, c.Table));
        var rejects = Db.Rows(ws, "SELECT field, reason FROM load_rejects");
        if (c.Reject is null)
        {
            Assert.Empty(rejects);
            var row = Assert.Single(stored).Split('|');
            var at = Array.IndexOf(new[] { "id", "pieces", "price", "weight", "due", "seen" }, c.Column);
            var expected = c.Column == "weight" ? double.Parse(c.Stored!, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture) : c.Stored;
            Assert.Equal(expected, c.Column == "weight" ? double.Parse(row[at], System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture) : row[at]);
        }
        else
        {
            Assert.Empty(stored);
            var reject = Assert.Single(rejects);
            Assert.StartsWith($"{c.Column}|{c.Reject}", reject, StringComparison.Ordinal);
        }
    }
}

public sealed class CsvLocaleLoadTestsOnDuckDb : CsvLocaleLoadTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class CsvLocaleLoadTestsOnPostgres : CsvLocaleLoadTests
{
    protected override Engine Engine => Engine.Postgres;
}
