using CustomerTrack.Contract;
using CustomerTrack.Tables;

namespace CustomerTrack.Generate;

/// <summary>
/// A change feed for any table definition, as <see cref="CustomerGenerator"/> is for customers: new keys, updates of
/// one to three attributes, and (when the table's op mapping has a delete value) a small share of deletes, some keys
/// coming back later. Rows hold the file's columns in <see cref="FileColumns"/> order; the event time, when the table
/// has one, rises through each file. The same seed gives the same rows.
/// </summary>
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
        }

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
        var keyCount = _table.Key.Count;
        for (var i = 0; i < rows; i++)
        {
            var (key, op, attributes) = NextChange();
            var values = new object?[FileColumns.Count];
            _keys[key].CopyTo(values, 0);
            attributes.CopyTo(values, keyCount);
            var at = keyCount + attributes.Length;
            if (_table.EventTime is not null)
            {
                values[at++] = EventTime.Truncate(from.AddTicks(step * i));
            }

            if (_table.Op is not null)
            {
                values[at] = op;
            }

            var row = new object?[values.Length];
            for (var v = 0; v < values.Length; v++)
            {
                row[_order[v]] = values[v];
            }

            yield return row;
        }
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
        if (_delete is not null && _random.NextDouble() < _deleteShare)
        {
            _liveKeys[index] = _liveKeys[^1];
            _liveKeys.RemoveAt(_liveKeys.Count - 1);
            var last = _live[target];
            _live.Remove(target);
            _deleted.Add(target);
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
        return (key, _insert, attributes);
    }

    /// <summary>One to three attributes take a new value (a fresh draw that differs, when the column has others to give).</summary>
    private object?[] Update(object?[] attributes)
    {
        var changes = Math.Min(attributes.Length, _random.Next(1, 4));
        for (var c = 0; c < changes; c++)
        {
            var a = _random.Next(attributes.Length);
            var old = attributes[a];
            for (var attempt = 0; attempt < 5 && Equals(attributes[a], old); attempt++)
            {
                attributes[a] = _draw[_table.Key.Count + a](_random);
            }
        }

        return attributes;
    }
}
