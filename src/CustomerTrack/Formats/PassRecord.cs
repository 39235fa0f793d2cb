namespace CustomerTrack.Formats;

/// <summary>
/// One read of a file, recorded so that the load decides <c>Load:OnError</c> from that read instead of reading the file
/// again: its summary names the first rejected row (the one an abort names), and with <c>keepRows</c> every row's line
/// and each reject are kept in file order (what <c>skip_file</c> turns into the file's rejects once its rows are taken back).
/// </summary>
internal sealed class PassRecord(bool keepRows)
{
    // A row is its line, and for a reject its field, reason and raw text (Field null: an accepted row).
    private readonly List<(long Line, string? Field, string? Reason, string? Raw)> _rows = [];
    private (long Line, string Field, string Reason)? _firstReject;
    private FileReadSummary? _summary;

    /// <summary>Reads <paramref name="path"/> into <paramref name="sink"/> through the reader boundary, recording the read.</summary>
    public FileReadSummary Read(string path, Tables.TableDefinition table, int maxFieldBytes, IChangeSink sink)
    {
        _rows.Clear();
        _firstReject = null;
        _summary = ChangeFiles.Read(path, table, maxFieldBytes, new Tap(this, sink)) with { FirstReject = _firstReject };
        return _summary;
    }

    /// <summary>
    /// Hands <paramref name="sink"/> the recorded read again, row by row in file order (a sink rejecting every row needs
    /// only their lines); returns that read's summary. Only after a <see cref="Read"/> that kept its rows.
    /// </summary>
    public FileReadSummary Replay(IChangeSink sink)
    {
        if (!keepRows || _summary is null)
        {
            throw new InvalidOperationException("no recorded read to replay");
        }

        var change = new ParsedChange(0);
        foreach (var (line, field, reason, raw) in _rows)
        {
            if (field is null)
            {
                change.Line = line;
                sink.Accept(change);
            }
            else
            {
                sink.Reject(line, field, reason!, raw!);
            }
        }

        return _summary;
    }

    /// <summary>Passes every row on to the sink, and records it.</summary>
    private sealed class Tap(PassRecord record, IChangeSink sink) : IChangeSink
    {
        public void Accept(ParsedChange change)
        {
            if (record.KeepsRows)
            {
                record._rows.Add((change.Line, null, null, null));
            }

            sink.Accept(change);
        }

        public void Reject(long line, string field, string reason, string raw)
        {
            record._firstReject ??= (line, field, reason);
            if (record.KeepsRows)
            {
                record._rows.Add((line, field, reason, raw));
            }

            sink.Reject(line, field, reason, raw);
        }
    }

    private bool KeepsRows => keepRows;
}
