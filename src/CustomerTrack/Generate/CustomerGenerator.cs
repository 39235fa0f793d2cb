using System.Globalization;
using CustomerTrack.Contract;
using nietras.SeparatedValues;

namespace CustomerTrack.Generate;

/// <summary>
/// The Faker notebook's role: a change feed over a population of customers. Files mix new customers,
/// updates of one to three attributes (a move, a new email, a name change) and a small share of deletes;
/// every row carries updated_at (event time) and op. The same seed and start give the same files.
/// </summary>
internal sealed class CustomerGenerator
{
    private const int First = 0, Last = 1, Email = 2, Street = 3, City = 4, State = 5, Country = 6;

    private readonly NamePools _pools;
    private readonly Random _random;
    private readonly int _population;
    private readonly double _deleteShare;
    private readonly double _lateShare;
    private readonly Dictionary<long, string[]> _live = [];
    private readonly List<long> _liveIds = [];
    private readonly List<long> _deleted = [];
    private long _nextId = 1;

    public CustomerGenerator(int seed, int population, double deleteShare = 0.03, double lateShare = 0.01)
    {
        _pools = new NamePools(seed);
        _random = new Random(seed);
        _population = population;
        _deleteShare = deleteShare;
        _lateShare = lateShare;
    }

    /// <summary>Writes one file of <paramref name="rows"/> changes whose event times spread over [from, to).</summary>
    public void WriteFile(TextWriter output, int rows, DateTime from, DateTime to)
    {
        using var writer = Sep.Writer(o => o with { Sep = new Sep(','), Escape = true }).To(output, leaveOpen: true);
        var step = (to - from).Ticks / Math.Max(rows, 1);
        for (var i = 0; i < rows; i++)
        {
            var at = from.AddTicks(step * i);
            var (id, op, values) = NextChange();
            if (op == ChangeOp.Update && _random.NextDouble() < _lateShare)
            {
                // A change that arrives late: its event time lies before changes already sent.
                at = at.AddMilliseconds(-_random.Next(1, 2000));
            }

            using var row = writer.NewRow();
            row[Columns.CustomerId].Set(id.ToString(CultureInfo.InvariantCulture));
            for (var a = 0; a < Columns.Attributes.Count; a++)
            {
                row[Columns.Attributes[a]].Set(values[a]);
            }

            row[Columns.UpdatedAt].Set(EventTime.Truncate(at).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            row[Columns.Op].Set(op);
        }
    }

    private (long Id, string Op, string[] Values) NextChange()
    {
        var roll = _random.NextDouble();
        if (_liveIds.Count == 0 || (_nextId <= _population && roll < 0.5))
        {
            return Insert(_nextId++);
        }

        if (_deleted.Count > 0 && roll < 0.51)
        {
            var back = _random.Next(_deleted.Count);
            var id = _deleted[back];
            _deleted[back] = _deleted[^1];
            _deleted.RemoveAt(_deleted.Count - 1);
            return Insert(id);
        }

        var index = _random.Next(_liveIds.Count);
        var target = _liveIds[index];
        if (_random.NextDouble() < _deleteShare)
        {
            _liveIds[index] = _liveIds[^1];
            _liveIds.RemoveAt(_liveIds.Count - 1);
            var last = _live[target];
            _live.Remove(target);
            _deleted.Add(target);
            return (target, ChangeOp.Delete, last);
        }

        return (target, ChangeOp.Update, Update(_live[target]));
    }

    private (long, string, string[]) Insert(long id)
    {
        var first = Pick(_pools.FirstNames);
        var last = Pick(_pools.LastNames);
        string[] values = [first, last, MakeEmail(first, last), Pick(_pools.Streets), Pick(_pools.Cities), Pick(_pools.States), Pick(_pools.Countries)];
        _live[id] = values;
        _liveIds.Add(id);
        return (id, ChangeOp.Insert, values);
    }

    /// <summary>One to three attributes change: a move, a new email, or a name change (never a draw of the same value).</summary>
    private string[] Update(string[] values)
    {
        switch (_random.Next(3))
        {
            case 0:
                values[Street] = Other(values[Street], () => Pick(_pools.Streets));
                values[City] = Pick(_pools.Cities);
                values[State] = Pick(_pools.States);
                break;
            case 1:
                values[Email] = Other(values[Email], () => MakeEmail(values[First], values[Last]));
                break;
            default:
                values[Last] = Other(values[Last], () => Pick(_pools.LastNames));
                if (_random.Next(2) == 0)
                {
                    values[Email] = MakeEmail(values[First], values[Last]);
                }

                break;
        }

        return values;
    }

    private string MakeEmail(string first, string last) =>
        string.Concat(first.ToLowerInvariant(), ".", last.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal),
            _random.Next(100).ToString(CultureInfo.InvariantCulture), "@", Pick(_pools.Domains));

    private string Pick(string[] pool) => pool[_random.Next(pool.Length)];

    /// <summary>A fresh draw that differs from <paramref name="current"/>, so that an update changes something.</summary>
    private static string Other(string current, Func<string> draw)
    {
        string next;
        do
        {
            next = draw();
        }
        while (next == current);

        return next;
    }
}
