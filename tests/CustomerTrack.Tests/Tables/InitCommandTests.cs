using System.Text.Json.Nodes;
using CustomerTrack.Configuration;
using CustomerTrack.Tables;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Tables;

public sealed class InitCommandTests
{
    /// <summary>A sample file, the flags init gets besides --from, and the definition it must infer.</summary>
    public sealed record Sample(string File, Action<string> Write, string[] Flags, string Table, string Expected);

    private static Action<string> Text(string content) => path => File.WriteAllText(path, content.ReplaceLineEndings("\n"));

    // Expected: format | csv dialect | key | columns (key first, then attributes) | event time | op | rename.
    private static readonly Dictionary<string, Sample> Samples = new()
    {
        ["csv, comma, quoted field, a name with a space"] = new("customers.csv", Text("""
            id,first_name,email,Unit Price,signup,active,updated_at,op
            1,Ada,ada@example.org,12.50,2024-01-02,true,2026-03-01T09:00:00Z,I
            2,Alan,"turing, alan@example.org",3.25,2023-05-06,false,2026-03-01T10:00:00Z,U
            1,Ada,ada@example.org,12.50,2024-01-02,true,2026-03-02T09:00:00Z,D

            """), [], "customers",
            "Csv | ,\"H | id | id:int64 first_name:string email:string unit_price:double signup:date active:bool | updated_at | op: D=DELETE I=INSERT U=UPDATE | unit price>unit_price"),
        ["csv, semicolon, composite key given"] = new("products.csv", Text("""
            sku;region;name;price;launched;stock;active;changed_at;kind
            A-1;EU;Widget;12.50;2024-01-02;5;true;2026-03-01T09:00:00Z;c
            A-2;US;Gadget;3.25;2023-05-06;7;false;2026-03-01T10:00:00Z;u
            A-1;EU;Widget;12.50;2024-01-02;5;true;2026-03-02T09:00:00Z;d

            """), ["--key", "sku", "--key", "region"], "products",
            "Csv | ;\"H | sku,region | sku:string region:string name:string price:double launched:date stock:int64 active:bool | changed_at | kind: c=INSERT d=DELETE u=UPDATE | "),
        ["csv, tab, reserved word, op values completed"] = new("orders.tsv", Text("""
            order_id	from	qty	changed_at	kind
            10	Lisbon	3	2026-03-01 09:00:00	insert
            11	Porto	1	2026-03-01 10:00:00	insert
            10	Lisbon	4	2026-03-01 11:00:00	update

            """), [], "orders",
            "Csv | \t\"H | order_id | order_id:int64 from_:string qty:int64 | changed_at | kind: delete=DELETE insert=INSERT update=UPDATE | from>from_"),
        ["csv, no header"] = new("readings.csv", Text("""
            1,Ada,2026-03-01
            2,Bob,2026-03-02
            3,Cy,2026-03-03

            """), ["--key", "column0"], "readings",
            "Csv | ,\"- | column0 | column0:int64 column1:string column2:date | - | - | "),
        ["csv, an op column of other values and a ts that is no timestamp stay attributes"] = new("events.csv", Text("""
            id,op,ts
            1,x,1767225600
            2,y,1767225601

            """), [], "events",
            "Csv | ,\"H | id | id:int64 op:string ts:int64 | - | - | "),
        ["csv, quoted with ' (the sniffed quote is kept)"] = new("notes.csv", Text("""
            id,name,note
            1,'Smith, Ann',plain
            2,'O''Brien',x
            3,Bob,'a, b'

            """), [], "notes",
            "Csv | ,'H | id | id:int64 name:string note:string | - | - | "),
        ["ndjson, renamed column, event time named ts"] = new("customers.ndjson", Text("""
            {"customer_id": 1, "First Name": "Ada", "amount": 12.5, "vip": true, "ts": "2026-03-01T09:00:00Z", "change_type": "c"}
            {"customer_id": 2, "First Name": "Alan", "amount": 3, "vip": false, "ts": "2026-03-01T10:00:00Z", "change_type": "u"}

            """), [], "customers",
            "Ndjson | - | customer_id | customer_id:int64 first_name:string amount:double vip:bool | ts | change_type: c=INSERT d=DELETE u=UPDATE | first name>first_name"),
        ["parquet, its own types"] = new("accounts.parquet", path => DuckFiles.Execute($"""
            COPY (SELECT * FROM (VALUES
                ('X-1', 12.50::DECIMAL(12,2), DATE '2024-01-02', 3::INTEGER, true, TIMESTAMP '2026-03-01 09:00:00', 'create'),
                ('X-2', 3.25::DECIMAL(12,2), DATE '2023-05-06', 1::INTEGER, false, TIMESTAMP '2026-03-01 10:00:00', 'update'))
                AS t(account_id, balance, opened, tier, active, modified_at, operation))
            TO {DuckFiles.Literal(path)} (FORMAT parquet)
            """), [], "accounts",
            "Parquet | - | account_id | account_id:string balance:decimal(12,2) opened:date tier:int32 active:bool | modified_at | operation: create=INSERT delete=DELETE update=UPDATE | "),
    };

    public static TheoryData<string> SampleNames() => [.. Samples.Keys];

    [Theory]
    [MemberData(nameof(SampleNames))]
    public async Task Init_infers_a_definition_that_the_settings_load(string sample)
    {
        using var tmp = new TempWorkspace();
        var s = Samples[sample];
        var from = Path.Combine(tmp.Dir, s.File);
        s.Write(from);
        var ws = Path.Combine(tmp.Dir, "ws");

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(["init", "-w", ws, "--from", from, .. s.Flags]));
        Assert.Equal($"init: table {s.Table} from {s.File} written into a new {Path.Combine(ws, "customertrack.json")}", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("  key: ", StringComparison.Ordinal));

        // The table's landing folder is made, and named whole.
        Assert.True(Directory.Exists(Path.Combine(ws, "landing", s.Table)));
        Assert.Equal($"Files for it go into {Path.Combine(ws, "landing", s.Table)}/.", lines[^1]);

        var table = SettingsLoader.Load(ws).Table(s.Table);
        Assert.Equal(s.Expected, Describe(table));
    }

    [Fact]
    public async Task Init_refuses_to_replace_a_table_unless_forced()
    {
        using var tmp = new TempWorkspace();
        var from = Path.Combine(tmp.Dir, "items.csv");
        File.WriteAllText(from, "id,name\n1,a\n2,b\n");
        CliAssert.Succeeded(await CliRunner.RunAsync("init", "-w", tmp.Dir, "--from", from));
        var settings = Path.Combine(tmp.Dir, SettingsLoader.FileName);
        var before = File.ReadAllText(settings);

        File.WriteAllText(from, "id,name,price\n1,a,2.5\n2,b,3\n");
        CliAssert.OneLineError(await CliRunner.RunAsync("init", "-w", tmp.Dir, "--from", from), "already defines table items", "--force");
        Assert.Equal(before, File.ReadAllText(settings));

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("init", "-w", tmp.Dir, "--from", from, "--force"));
        Assert.Contains("  replaced: the earlier definition of items (--force)", lines);
        Assert.Equal("Csv | ,\"H | id | id:int64 name:string price:double | - | - | ", Describe(SettingsLoader.Load(tmp.Dir).Table("items")));
    }

    [Fact]
    public async Task Init_merges_into_an_existing_settings_file_and_keeps_everything_else()
    {
        using var tmp = new TempWorkspace();
        var settings = Path.Combine(tmp.Dir, SettingsLoader.FileName);
        File.WriteAllText(settings, """
            {
              "Load": { "OnError": "skip_file" },
              "Scd": { "DeleteMode": "tombstone-row" },
              "Tables": {
                "customer": { "Format": "csv", "Key": ["customer_id"], "Columns": { "customer_id": "int64", "city": "string" } }
              }
            }
            """);
        var from = Path.Combine(tmp.Dir, "events.ndjson");
        File.WriteAllText(from, "{\"key\": \"k1\", \"n\": 1}\n{\"key\": \"k2\", \"n\": 2}\n");

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("init", "-w", tmp.Dir, "--from", from));
        Assert.StartsWith("init: table events from events.ndjson merged into ", lines[0], StringComparison.Ordinal);

        var loaded = SettingsLoader.Load(tmp.Dir);
        Assert.Equal("skip_file", loaded.Load.OnError);
        Assert.Equal("tombstone-row", loaded.Scd.DeleteMode);
        Assert.Equal(["customer", "events"], loaded.Definitions.Select(t => t.Name));
        Assert.Equal("Csv | ,\"H | customer_id | customer_id:int64 city:string | - | - | ", Describe(loaded.Table("customer")));
        Assert.Equal("Ndjson | - | key | key:string n:int64 | - | - | ", Describe(loaded.Table("events")));
        Assert.Equal("skip_file", JsonNode.Parse(File.ReadAllText(settings))!["Load"]!["OnError"]!.GetValue<string>());
    }

    [Fact]
    public async Task Init_mode_snapshot_writes_a_snapshot_table()
    {
        using var tmp = new TempWorkspace();
        var from = Path.Combine(tmp.Dir, "stock.csv");
        File.WriteAllText(from, "id,qty,updated_at\n1,5,2026-03-01T09:00:00Z\n2,7,2026-03-01T09:00:00Z\n");
        CliAssert.Succeeded(await CliRunner.RunAsync(["init", "-w", tmp.Dir, "--from", from, "--mode", "snapshot"]));

        var table = SettingsLoader.Load(tmp.Dir).Table("stock");
        Assert.Equal((CustomerTrack.Tables.TableMode.Snapshot, "updated_at"), (table.Mode, table.EventTime));
    }

    [Theory]
    [InlineData("thing,name\n1,a\n", new string[0], "no key: widgets.csv has no column named id, widgets_id or key; name the key with --key COL")]
    [InlineData("id,name\n1,a\n", new[] { "--key", "nope" }, "--key nope is not a column of widgets.csv; its columns are id, name")]
    [InlineData("id,name\n1,a\n", new[] { "--event-time", "when" }, "--event-time when is not a column of widgets.csv")]
    [InlineData("id,name\n1,a\n", new[] { "--table", "select" }, "--table 'select' is a reserved SQL word")]
    [InlineData("id,name\n1,a\n", new[] { "--table", "customer" }, "customer is the built-in table", "--force")]
    [InlineData("id,name\n1,a\n", new[] { "--mode", "snapshot" }, "--mode snapshot: widgets.csv has no event time", "--event-time COL")]
    [InlineData("PAR1 and then no Parquet at all", new string[0], "widgets.csv cannot be read as parquet")]
    [InlineData("id,Name,name\n1,a,b\n", new string[0], "widgets.csv has columns 'Name' and 'name', which differ only by case", "rename one in the file")]
    [InlineData("id,when\n1,yesterday\n2,today\n", new[] { "--event-time", "when" }, "widgets.csv does not load through the inferred definition of widgets: line 2, when_: 'yesterday' is not an ISO 8601 timestamp")]
    public async Task Init_says_what_to_do_when_it_cannot_infer(string content, string[] flags, params string[] message)
    {
        using var tmp = new TempWorkspace();
        var from = Path.Combine(tmp.Dir, "widgets.csv");
        File.WriteAllText(from, content);
        CliAssert.OneLineError(await CliRunner.RunAsync(["init", "-w", tmp.Dir, "--from", from, .. flags]), message);
        Assert.False(File.Exists(Path.Combine(tmp.Dir, SettingsLoader.FileName)));
    }

    /// <summary>A CSV sample written in a locale's way, the definition init must write, how its values are written, and values it must load as.</summary>
    public sealed record LocaleSample(string Content, string[] Flags, string Expected, string Locale, string[] Loaded);

    // Expected as in Samples; Locale: decimal separator | thousands separator (- none) | DateFormat | TimestampFormat;
    // Loaded: column=value of the first row, as the reader stores it.
    private static readonly Dictionary<string, LocaleSample> LocaleSamples = new()
    {
        ["german inventory: ; 1.250 pieces, 0,12 prices, 01.12.2026 dates, umlauts"] = new("""
            id;Artikel;Stückpreis;Bestand;Größe;Lieferdatum;Café
            1;Schraube;0,12;1.250;M6;01.12.2026;ja
            2;Mutter;1.234,50;10.000;M8;15.01.2027;nein
            3;Scheibe;2,5;7;M10;02.02.2026;ja

            """, [], "Csv | ;\"H | id | id:int64 artikel:string stueckpreis:double bestand:int64 groesse:string lieferdatum:date cafe:string | - | - | café>cafe größe>groesse stückpreis>stueckpreis",
            ",|.|dd.MM.yyyy|-", ["bestand=1250", "stueckpreis=0.12", "lieferdatum=2026-12-01"]),
        ["german timestamps and a decimal comma without grouping"] = new("""
            id;menge;gesehen
            1;0,5;01.12.2026 13:45
            2;12,25;02.12.2026 08:00

            """, [], "Csv | ;\"H | id | id:int64 menge:double gesehen:timestamp | - | - | ",
            ",|-|-|dd.MM.yyyy HH:mm", ["menge=0.5", "gesehen=2026-12-01 13:45:00"]),
        ["1.250 alone with ';' is a grouped thousand"] = new("""
            id;stock
            1;1.250
            2;10.000

            """, [], "Csv | ;\"H | id | id:int64 stock:int64 | - | - | ",
            ",|.|-|-", ["stock=1250"]),
        ["english grouping: 1,250.5"] = new("""
            id,amount
            1,"1,250.5"
            2,0.25

            """, [], "Csv | ,\"H | id | id:int64 amount:double | - | - | ",
            ".|,|-|-", ["amount=1250.5"]),
        ["day or month first cannot be told: the dates stay text, and leading zeros stay text"] = new("""
            id,due,zip
            1,01/02/2026,01234
            2,03/04/2026,20095

            """, [], "Csv | ,\"H | id | id:int64 due:string zip:string | - | - | ",
            ".|-|-|-", ["due=01/02/2026", "zip=01234"]),
        ["more digits than a double keeps stay text"] = new("""
            id,code
            1,12345678901234567.5
            2,1.5

            """, [], "Csv | ,\"H | id | id:int64 code:string | - | - | ",
            ".|-|-|-", ["code=12345678901234567.5"]),
    };

    public static TheoryData<string> LocaleSampleNames() => [.. LocaleSamples.Keys];

    [Theory]
    [MemberData(nameof(LocaleSampleNames))]
    public async Task Init_guesses_how_a_csv_writes_its_values_and_its_own_sample_loads_as_its_text_says(string sample)
    {
        using var tmp = new TempWorkspace();
        var s = LocaleSamples[sample];
        var from = Path.Combine(tmp.Dir, "stock.csv");
        File.WriteAllText(from, s.Content.ReplaceLineEndings("\n"));
        var ws = Path.Combine(tmp.Dir, "ws");

        CliAssert.Succeeded(await CliRunner.RunAsync(["init", "-w", ws, "--from", from, .. s.Flags]));

        var table = SettingsLoader.Load(ws).Table("stock")!;
        Assert.Equal(s.Expected, Describe(table));
        var csv = table.Csv;
        Assert.Equal(s.Locale, $"{csv.DecimalSeparator}|{(csv.ThousandsSeparator == '\0' ? "-" : csv.ThousandsSeparator)}|{csv.DateFormat ?? "-"}|{csv.TimestampFormat ?? "-"}");

        // The pipeline's own reader takes the sample whole through the definition, each value as its text says.
        var sink = new Rows();
        var summary = CustomerTrack.Formats.ChangeFiles.Read(from, table, 1 << 20, sink);
        Assert.Null(summary.FileError);
        Assert.Empty(sink.Rejects);
        var names = table.Columns.Select(c => c.Name).ToList();
        foreach (var expected in s.Loaded)
        {
            var (column, value) = (expected[..expected.IndexOf('=', StringComparison.Ordinal)], expected[(expected.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            var stored = sink.First![names.IndexOf(column)];
            Assert.Equal(value, stored switch
            {
                DateTime t => CustomerTrack.Contract.EventTime.Format(t),
                DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => stored?.ToString(),
            });
        }
    }

    public static TheoryData<string, string> Transliterations() => new()
    {
        { "Stückpreis", "stueckpreis" },
        { "Größe", "groesse" },
        { "café", "cafe" },
        { "Ærø Ö", "aeroe_oe" },
        { "naïve Ñandú", "naive_nandu" },
        { "Łódź", "lodz" },
    };

    [Theory]
    [MemberData(nameof(Transliterations))]
    public void A_sample_name_is_transliterated_readably(string name, string expected) =>
        Assert.Equal(expected, CustomerTrack.Init.SampleNames.Sanitise(name, "column"));

    private sealed class Rows : CustomerTrack.Formats.IChangeSink
    {
        public object?[]? First { get; private set; }

        public List<string> Rejects { get; } = [];

        public void Accept(CustomerTrack.Formats.ParsedChange change) => First ??= (object?[])change.Values.Clone();

        public void Reject(long line, string field, string reason, string raw) => Rejects.Add($"{line}|{field}|{reason}");
    }

    private static string Describe(TableDefinition t)
    {
        var csv = t.Format == FileFormat.Csv ? $"{t.Csv.Delimiter}{t.Csv.Quote}{(t.Csv.Header ? "H" : "-")}" : "-";
        var op = t.Op is null ? "-" : $"{t.Op.Column}: " + string.Join(" ", t.Op.Values.Select(v => $"{v.Key}={v.Value.ToString().ToUpperInvariant()}").Order(StringComparer.Ordinal));
        var rename = string.Join(" ", t.Rename.Select(r => $"{r.Key}>{r.Value}").Order(StringComparer.Ordinal));
        return $"{t.Format} | {csv} | {string.Join(",", t.Key.Select(k => k.Name))} | {string.Join(" ", t.Columns.Select(c => $"{c.Name}:{c.Type}"))} | {t.EventTime ?? "-"} | {op} | {rename}";
    }
}
