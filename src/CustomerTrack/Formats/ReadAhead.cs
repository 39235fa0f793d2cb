using System.Collections.Concurrent;
using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// <see cref="ChangeFiles.Read"/> on a second thread: the file is parsed and checked there while the caller's thread
/// hands the rows to the sink (the warehouse's bulk path), so parsing and appending overlap on two cores. The sink sees
/// exactly the calls, in exactly the order, that a plain read makes; only the thread differs. At most
/// <c>batches</c> batches of <c>batchRows</c> rows (2 x 1024 unless told) wait between the two, so memory stays bounded whatever the file's size.
/// The reader's own exception (a file gone, a file it cannot read) reaches the caller unchanged; when the sink fails,
/// the reader is stopped and waited for before the sink's exception leaves, so no thread reads the file afterwards.
/// </summary>
internal static class ReadAhead
{
    // Few rows in flight: the copies outlive the young generation otherwise, and the collector's extra work ate much of
    // the gain (load --once on 1M rows, CPU of all threads over a plain read: +2.4 s with 4 x 4096, +1.4 s with 2 x 1024).
    public const int BatchRows = 1024;
    public const int Batches = 2;

    // A smaller file is read on the caller's thread: a second thread gains nothing on a few thousand rows.
    public const long MinBytes = 1 << 20;

    public static FileReadSummary Read(string path, TableDefinition table, int maxFieldBytes, IChangeSink sink,
        int batchRows = BatchRows, int batches = Batches, long minBytes = MinBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        if (new FileInfo(path) is { Exists: true, Length: var bytes } && bytes < minBytes)
        {
            return ChangeFiles.Read(path, table, maxFieldBytes, sink);
        }

        using var stop = new CancellationTokenSource();
        using var full = new BlockingCollection<Batch>(batches);
        using var free = new BlockingCollection<Batch>();
        // A thread of its own, not the pool's: the caller blocks waiting for it, and so, on a busy pool (ingest's copies,
        // the task's database work), a pool thread for the reader could take a pool-injection delay to come.
        var reader = Task.Factory.StartNew(() =>
        {
            var buffer = new BufferSink(full, free, batchRows, stop.Token);
            try
            {
                return ChangeFiles.Read(path, table, maxFieldBytes, buffer);
            }
            finally
            {
                // Whatever happened, the rows read so far go over, and the caller learns that no more follow.
                buffer.Flush();
                full.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            foreach (var batch in full.GetConsumingEnumerable())
            {
                batch.Replay(sink);
                free.Add(batch);
            }
        }
        catch
        {
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The sink's exception is the one that matters; the reader only stopped because of it.
            }

            throw;
        }

        return reader.GetAwaiter().GetResult();
    }

    /// <summary>A run of rows and rejects, in the order the reader gave them; its row copies are kept for reuse.</summary>
    private sealed class Batch
    {
        private readonly List<ParsedChange> _rows = [];
        private readonly List<Entry> _entries = [];
        private int _used;

        public int Count => _entries.Count;

        public void Add(ParsedChange change)
        {
            if (_used == _rows.Count || _rows[_used].Values.Length != change.Values.Length)
            {
                _rows.Insert(_used, new ParsedChange(change.Values.Length));
            }

            // The reader reuses its ParsedChange for the next row: the batch keeps a copy (the values themselves are
            // immutable, so copying the references is enough).
            var copy = _rows[_used++];
            copy.Line = change.Line;
            copy.EventTime = change.EventTime;
            copy.Kind = change.Kind;
            Array.Copy(change.Values, copy.Values, change.Values.Length);
            _entries.Add(new Entry(copy, 0, null, null, null));
        }

        public void Reject(long line, string field, string reason, string raw) => _entries.Add(new Entry(null, line, field, reason, raw));

        public void Replay(IChangeSink sink)
        {
            foreach (var entry in _entries)
            {
                if (entry.Change is { } change)
                {
                    sink.Accept(change);
                }
                else
                {
                    sink.Reject(entry.Line, entry.Field!, entry.Reason!, entry.Raw!);
                }
            }

            _entries.Clear();
            _used = 0;
        }
    }

    private readonly record struct Entry(ParsedChange? Change, long Line, string? Field, string? Reason, string? Raw);

    /// <summary>The reader's sink: fills a batch, hands it over when full, and takes an emptied one back (or a new one).</summary>
    private sealed class BufferSink(BlockingCollection<Batch> full, BlockingCollection<Batch> free, int batchRows, CancellationToken stop) : IChangeSink
    {
        private Batch? _batch;

        public void Accept(ParsedChange change)
        {
            Current().Add(change);
            HandOverIfFull();
        }

        public void Reject(long line, string field, string reason, string raw)
        {
            Current().Reject(line, field, reason, raw);
            HandOverIfFull();
        }

        public void Flush()
        {
            try
            {
                if (_batch is { Count: > 0 } batch)
                {
                    full.Add(batch, stop);
                }
            }
            catch (OperationCanceledException)
            {
                // The caller has given up on the rows: nobody waits for them.
            }

            _batch = null;
        }

        private Batch Current() => _batch ??= free.TryTake(out var reused) ? reused : new Batch();

        private void HandOverIfFull()
        {
            if (_batch!.Count >= batchRows)
            {
                // Waits while the caller is `batches` batches behind; throws once the caller has given up.
                full.Add(_batch, stop);
                _batch = null;
            }
        }
    }
}
