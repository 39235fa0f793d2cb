using CustomerTrack.Contract;
using CustomerTrack.Tables;

namespace CustomerTrack.Generate;

/// <summary>
/// A change feed for any table definition, as <see cref="CustomerGenerator"/> is for customers: new keys, updates of
/// one to three attributes, and (when the table's op mapping has a delete value) a small share of deletes, some keys
/// coming back later. Rows hold the file's columns in <see cref="FileColumns"/> order; the event time, when the table
/// has one, rises through each file. The same seed gives the same rows.
/// </summary>
/// <remarks>
/// For a snapshot table (docs/semantics.md, rule 16) the same changes move the table's state from one extract to the
/// next, and <see cref="Extract"/> writes the state whole at one moment: a key deleted is absent from it. Deletes are
/// kept within what the truncated-extract guard lets through (at most <c>Snapshot:MaxDeleteShare</c> of a partition's
/// keys in its previous extract, and never its last key, which would leave the partition out of the extract and so
/// delete nothing), and a key keeps its partition for ever, so that an extract written as several files, each of whole
/// partitions, loads whole in any order.
/// </remarks>
internal sealed class TableGenerator
{
    private readonly TableDefinition _table;
    private readonly Random _random;
    private readonly int _population;
    private readonly double _deleteShare;
    private readonly Func<Random, object>[] _draw;
    private readonly string? _insert, _update, _delete;
    private readonly Dictionary<long, object?[]> _live = [];
    private readonly List<long> _liveKeys = [];
    private readonly List<long> _deleted = [];
    private readonly Dictionary<long, object[]> _keys = [];

    // Snapshot tables: the partition columns' places among the key and attributes, each key's partition (kept for ever),
    // the live keys of each partition now and at the previous extract, and the deletes since it.
    private readonly bool _snapshot;
    private readonly string? _upsert;
    private readonly int[] _partition;
    private readonly Dictionary<long, object?[]> _partitionValues = [];
    private readonly Dictionary<string, int> _livePerPartition = new(StringComparer.Ordinal);
    private Dictionary<string, int> _liveAtExtract = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _deletedSinceExtract = new(StringComparer.Ordinal);
    private readonly List<long> _absent = [];

    // Where each value (key, attributes, event time, op) stands in a file row.
    private readonly int[] _order;
    private long _next = 1;

    public TableGenerator(TableDefinition table, int seed, int population, double deleteShare = 0.03)
    {
        _table = table;
        _random = new Random(seed);
        _population = population;
        _deleteShare = deleteShare;
        var values = new FieldValues(seed);
        _draw = [.. table.Columns.Select(c => values.For(c.Name, c.Type))];
        if (table.Op is { } op)
        {
            string? First(params ChangeKind[] kinds) =>
                kinds.Select(k => op.Values.Where(v => v.Value == k).Select(v => v.Key).FirstOrDefault()).FirstOrDefault(v => v is not null);
            _insert = First(ChangeKind.Insert, ChangeKind.Upsert) ?? "";
            _update = First(ChangeKind.Update, ChangeKind.Upsert, ChangeKind.Insert) ?? "";
            _delete = First(ChangeKind.Delete);
            _upsert = First(ChangeKind.Upsert, ChangeKind.Insert, ChangeKind.Update) ?? "";
        }

        _snapshot = table.Mode == TableMode.Snapshot;
        var all = table.Columns.Select(c => c.Name).ToList();
        _partition = [.. table.Snapshot.Partition.Select(p => all.IndexOf(p.Name))];

        // A file names a column as the feed does: the name Rename maps from, else the definition's.
        var fileName = table.Rename.GroupBy(r => r.Value).ToDictionary(g => g.Key, g => g.Select(r => r.Key).Order(StringComparer.Ordinal).First());
        string Named(string column) => fileName.GetValueOrDefault(column, column);
        var columns = table.Columns.Select(c => (c.Name, c.Type)).ToList();
        if (table.EventTime is { } et)
        {
            columns.Add((et, ColumnType.Timestamp));
        }

        if (table.Op is { } o)
        {
            columns.Add((o.Column, ColumnType.String));
        }

        // The order the definition wrote its columns in, which is how a file without a header row is read.
        var written = table.SourceOrder.ToList();
        var rank = columns.Select(c => written.IndexOf(c.Name) is var i and >= 0 ? i : int.MaxValue).ToArray();
        var positions = Enumerable.Range(0, columns.Count).OrderBy(i => rank[i]).ThenBy(i => i).ToArray();
        _order = new int[columns.Count];
        for (var p = 0; p < positions.Length; p++)
        {
            _order[positions[p]] = p;
        }

        FileColumns = [.. positions.Select(i => (Named(columns[i].Name), columns[i].Type))];
    }

    /// <summary>The columns of a file, in the definition's order: the key, the attributes, the event time and the op column.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> FileColumns { get; }

    /// <summary><paramref name="rows"/> changes whose event times spread over [from, to).</summary>
    public IEnumerable<object?[]> Rows(int rows, DateTime from, DateTime to)
    {
        var step = (to - from).Ticks / Math.Max(rows, 1);
        for (var i = 0; i < rows; i++)
        {
            var (key, op, attributes) = NextChange();
            yield return Row(key, op, attributes, EventTime.Truncate(from.AddTicks(step * i)));
        }
    }

    /// <summary>
    /// A snapshot table's next extract at <paramref name="moment"/>, after <paramref name="changes"/> changes to its
    /// state: every live key once, in key order, each row at the moment, grouped by partition (one group when the table
    /// has no partition columns), the groups in the order of their partitions.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<object?[]>> Extract(int changes, DateTime moment)
    {
        _liveAtExtract = new Dictionary<string, int>(_livePerPartition, StringComparer.Ordinal);
        _deletedSinceExtract.Clear();
        _deleted.AddRange(_absent);
        _absent.Clear();
        for (var i = 0; i < changes; i++)
        {
            NextChange();
        }

        var at = EventTime.Truncate(moment);
        return [.. _live.Keys.Order().GroupBy(PartitionOf).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<object?[]>)[.. g.Select(k => Row(k, _upsert, _live[k], at))])];
    }

    private object?[] Row(long key, string? op, object?[] attributes, DateTime at)
    {
        var keyCount = _table.Key.Count;
        var values = new object?[FileColumns.Count];
        _keys[key].CopyTo(values, 0);
        attributes.CopyTo(values, keyCount);
        var next = keyCount + attributes.Length;
        if (_table.EventTime is not null)
        {
            values[next++] = at;
        }

        if (_table.Op is not null)
        {
            values[next] = op;
        }

        var row = new object?[values.Length];
        for (var v = 0; v < values.Length; v++)
        {
            row[_order[v]] = values[v];
        }

        return row;
    }

    private (long Key, string? Op, object?[] Attributes) NextChange()
    {
        var roll = _random.NextDouble();
        if (_liveKeys.Count == 0 || (_next <= _population && roll < 0.5))
        {
            return Insert(_next++);
        }

        if (_deleted.Count > 0 && roll < 0.51)
        {
            var back = _random.Next(_deleted.Count);
            var key = _deleted[back];
            _deleted[back] = _deleted[^1];
            _deleted.RemoveAt(_deleted.Count - 1);
            return Insert(key);
        }

        var index = _random.Next(_liveKeys.Count);
        var target = _liveKeys[index];
        if ((_delete is not null || _snapshot) && _random.NextDouble() < _deleteShare && MayDelete(target))
        {
            _liveKeys[index] = _liveKeys[^1];
            _liveKeys.RemoveAt(_liveKeys.Count - 1);
            var last = _live[target];
            _live.Remove(target);
            if (_snapshot)
            {
                // Absent from the extract being made: it may come back in a later one.
                _absent.Add(target);
                var partition = PartitionOf(target);
                _livePerPartition[partition]--;
                _deletedSinceExtract[partition] = _deletedSinceExtract.GetValueOrDefault(partition) + 1;
            }
            else
            {
                _deleted.Add(target);
            }

            return (target, _delete, last);
        }

        return (target, _update, Update(_live[target]));
    }

    private (long, string?, object?[]) Insert(long key)
    {
        if (!_keys.ContainsKey(key))
        {
            // The first key column alone tells keys apart; the others are drawn (sku A-1 may be in EU and in US).
            var values = new object[_table.Key.Count];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = k == 0 ? FieldValues.Unique(_table.Key[0].Name, _table.Key[0].Type, key) : _draw[k](_random);
            }

            _keys[key] = values;
        }

        var attributes = new object?[_table.Attributes.Count];
        for (var a = 0; a < attributes.Length; a++)
        {
            attributes[a] = _draw[_table.Key.Count + a](_random);
        }

        _live[key] = attributes;
        _liveKeys.Add(key);
        if (_snapshot)
        {
            // A key comes back into the partition it was in.
            var keyCount = _table.Key.Count;
            if (_partitionValues.TryGetValue(key, out var kept))
            {
                for (var p = 0; p < _partition.Length; p++)
                {
                    if (_partition[p] >= keyCount)
                    {
                        attributes[_partition[p] - keyCount] = kept[p];
                    }
                }
            }
            else
            {
                _partitionValues[key] = [.. _partition.Select(i => i < keyCount ? _keys[key][i] : attributes[i - keyCount])];
            }

            var partition = PartitionOf(key);
            _livePerPartition[partition] = _livePerPartition.GetValueOrDefault(partition) + 1;
        }

        return (key, _insert, attributes);
    }

    /// <summary>The partition of a key, as text (empty when the table has no partition columns).</summary>
    private string PartitionOf(long key) =>
        _partition.Length == 0 ? "" : string.Join('\u001f', _partitionValues[key].Select(v => v is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : v?.ToString()));

    /// <summary>
    /// Whether <paramref name="key"/> may be deleted: always in a change feed; in a snapshot, while its partition keeps a
    /// key and its deletes since the previous extract stay within the guard's share of the keys it had then.
    /// </summary>
    private bool MayDelete(long key)
    {
        if (!_snapshot)
        {
            return true;
        }

        var partition = PartitionOf(key);
        return _livePerPartition[partition] > 1
            && _deletedSinceExtract.GetValueOrDefault(partition) + 1 <= _table.Snapshot.MaxDeleteShare * _liveAtExtract.GetValueOrDefault(partition);
    }

    /// <summary>One to three attributes take a new value (a fresh draw that differs, when the column has others to give).</summary>
    private object?[] Update(object?[] attributes)
    {
        var changes = Math.Min(attributes.Length, _random.Next(1, 4));
        for (var c = 0; c < changes; c++)
        {
            var a = _random.Next(attributes.Length);
            if (_snapshot && _partition.Contains(_table.Key.Count + a))
            {
                // A key keeps its partition (see the remarks).
                continue;
            }

            var old = attributes[a];
            for (var attempt = 0; attempt < 5 && Equals(attributes[a], old); attempt++)
            {
                attributes[a] = _draw[_table.Key.Count + a](_random);
            }
        }

        return attributes;
    }
}
