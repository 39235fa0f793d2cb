using System.Globalization;
using System.Text;
using CustomerTrack.Formats;
using CustomerTrack.Tables;

namespace CustomerTrack.Tests.Formats;

/// <summary>
/// The loader parses a file on a second thread while it appends (<see cref="ReadAhead"/>): the sink must see exactly
/// what a plain <see cref="ChangeFiles.Read"/> gives it, call for call and in order (rows with their values, rejects with
/// their line, field, reason and raw text), whatever the batch size, and the errors must stay those of the plain read.
/// </summary>
public sealed class ReadAheadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-readahead-").FullName;

    private static readonly TableDefinition Customer = TableDefinition.Customer(ScdOptions.Default);

    private static readonly TableDefinition Ndjson = new()
    {
        Name = "event",
        Format = FileFormat.Ndjson,
        Key = [new Column("id", ColumnType.Int64)],
        Attributes = [new Column("name", ColumnType.String), new Column("amount", new ColumnType(ColumnKind.Decimal, 10, 2))],
        EventTime = "at",
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A customer CSV of <paramref name="rows"/> rows in which every <paramref name="badEvery"/>-th row breaks the contract in turn by key, time and op.</summary>
    private static string CustomerCsv(int rows, int badEvery)
    {
        var text = new StringBuilder("customer_id,first_name,last_name,email,street,city,state,country,updated_at,op\n");
        for (var i = 1; i <= rows; i++)
        {
            var bad = badEvery > 0 && i % badEvery == 0 ? i / badEvery % 3 : -1;
            text.Append(CultureInfo.InvariantCulture, $"{(bad == 0 ? "x" + i : i.ToString(CultureInfo.InvariantCulture))},First{i},Last,f{i}@example.com,{i} Main St,");
            text.Append(CultureInfo.InvariantCulture, $"{(i % 5 == 0 ? "" : "Town")},ST,US,{(bad == 1 ? "2026-13-01" : $"2026-01-01T00:00:{i % 60:00}Z")},{(bad == 2 ? "MERGE" : i % 7 == 0 ? "DELETE" : "UPSERT")}\n");
        }

        return text.ToString();
    }

    public static TheoryData<string, string, int, int> Files => new()
    {
        // name, content, batch rows, batches waiting
        { "rows and rejects over many small batches", CustomerCsv(200, 9), 7, 2 },
        { "one row per batch, one batch waiting", CustomerCsv(40, 4), 1, 1 },
        { "the whole file in one batch", CustomerCsv(300, 11), 4096, 4 },
        { "a file of rejects only", CustomerCsv(12, 1), 5, 2 },
        { "a header without the key column", "first_name,updated_at\nAnn,2026-01-01T00:00:00Z\n", 3, 2 },
        { "an empty file", "", 3, 2 },
        { "a header only", "customer_id,first_name\n", 3, 2 },
        { "unknown columns and a ragged row", "customer_id,zodiac,first_name\n1,leo,Ann\n2,virgo\n3,aries,Bo,extra\n", 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void A_csv_file_read_ahead_reaches_the_sink_exactly_as_read_directly(string name, string content, int batchRows, int batches)
    {
        var path = Write("c.csv", content);
        var direct = new RecordingSink();
        var expected = ChangeFiles.Read(path, Customer, 1 << 20, direct);

        var ahead = new RecordingSink();
        var summary = ReadAhead.Read(path, Customer, 1 << 20, ahead, batchRows, batches, minBytes: 0);

        Assert.True(direct.Calls.Count > 0 || content.Length < 30, name);
        Assert.Equal(direct.Calls, ahead.Calls);
        Assert.Equal(Describe(expected), Describe(summary));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(100, 4)]
    public void An_ndjson_file_read_ahead_reaches_the_sink_exactly_as_read_directly(int batchRows, int batches)
    {
        var lines = Enumerable.Range(1, 30).Select(i => i % 6 == 0
            ? $$"""{"id": "k{{i}}", "name": "n{{i}}", "at": "2026-01-01T00:00:00Z"}"""
            : $$"""{"id": {{i}}, "name": {{(i % 4 == 0 ? "null" : $"\"n{i}\"")}}, "amount": {{i}}.25, "at": "2026-01-0{{1 + (i % 9)}}T00:00:00Z"}""");
        var path = Write("e.ndjson", string.Join("\n", lines) + "\n");
        var direct = new RecordingSink();
        var expected = ChangeFiles.Read(path, Ndjson, 1 << 20, direct);

        var ahead = new RecordingSink();
        var summary = ReadAhead.Read(path, Ndjson, 1 << 20, ahead, batchRows, batches, minBytes: 0);

        Assert.Contains(direct.Calls, c => c.StartsWith("reject", StringComparison.Ordinal));
        Assert.Equal(direct.Calls, ahead.Calls);
        Assert.Equal(Describe(expected), Describe(summary));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 2, 37)]
    [InlineData(4096, 4, 150)]
    public void A_failing_sink_stops_the_reader_and_its_own_exception_reaches_the_caller(int batchRows, int batches, int failAt)
    {
        var path = Write("c.csv", CustomerCsv(200, 0));
        var sink = new RecordingSink { FailAt = failAt };

        var error = Assert.Throws<InvalidOperationException>(() => ReadAhead.Read(path, Customer, 1 << 20, sink, batchRows, batches, minBytes: 0));

        Assert.Equal($"sink refused call {failAt}", error.Message);
        Assert.Equal(failAt - 1, sink.Calls.Count);

        // The reader has let go of the file: it can be read again from the start.
        Assert.Equal(200, ReadAhead.Read(path, Customer, 1 << 20, new RecordingSink(), batchRows, batches, minBytes: 0).Rows);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(ReadAhead.MinBytes, false)]
    public void A_file_under_the_size_limit_is_read_inline_and_a_larger_one_ahead(long minBytes, bool ahead)
    {
        var path = Write("c.csv", CustomerCsv(50, 0));
        var sink = new InstanceSink();

        var summary = ReadAhead.Read(path, Customer, 1 << 20, sink, 8, 2, minBytes);

        // Read inline, the sink gets the reader's own row object, reused for every row; read ahead, the batches' copies.
        Assert.Equal(50, summary.Accepted);
        Assert.Equal(ahead, sink.Instances.Count > 1);
    }

    [Fact]
    public void A_file_gone_before_it_is_read_throws_file_not_found_as_a_plain_read_does()
    {
        // The loader tells a file removed from the lake after it was listed by this exception.
        var missing = Path.Combine(_dir, "gone.csv");

        Assert.Throws<FileNotFoundException>(() => ChangeFiles.Read(missing, Customer, 1 << 20, new RecordingSink()));
        Assert.Throws<FileNotFoundException>(() => ReadAhead.Read(missing, Customer, 1 << 20, new RecordingSink(), minBytes: 0));
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Describe(FileReadSummary s) =>
        $"rows {s.Rows}, accepted {s.Accepted}, rejected {s.Rejected}, unknown [{string.Join(",", s.UnknownColumns)}], error {s.FileError}";

    /// <summary>Notes the row objects it was handed.</summary>
    private sealed class InstanceSink : IChangeSink
    {
        public HashSet<ParsedChange> Instances { get; } = new(ReferenceEqualityComparer.Instance);

        public void Accept(ParsedChange change) => Instances.Add(change);

        public void Reject(long line, string field, string reason, string raw)
        {
        }
    }

    /// <summary>Writes down every call as text (a row's values as they are then: the reader reuses its row object).</summary>
    private sealed class RecordingSink : IChangeSink
    {
        public List<string> Calls { get; } = [];

        public int FailAt { get; init; }

        public void Accept(ParsedChange change) => Record(string.Create(CultureInfo.InvariantCulture,
            $"row {change.Line} [{string.Join("|", change.Values.Select(v => v is null ? "NULL" : $"{v.GetType().Name}:{Convert.ToString(v, CultureInfo.InvariantCulture)}"))}] at {change.EventTime:O} {change.Kind}"));

        public void Reject(long line, string field, string reason, string raw) => Record($"reject {line} {field}: {reason} <{raw}>");

        private void Record(string call)
        {
            if (Calls.Count + 1 == FailAt)
            {
                throw new InvalidOperationException($"sink refused call {FailAt}");
            }

            Calls.Add(call);
        }
    }
}
