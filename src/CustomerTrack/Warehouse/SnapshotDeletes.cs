using System.Globalization;
using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// Turns a snapshot file, once its rows are in the ledger, into changes (docs/semantics.md, rule 16): its rows are upserts
/// at the snapshot's moment, and the keys it lacks get <c>DELETE</c> rows in the ledger, in the file's load transaction,
/// so the task, rebuild and every SCD rule see changes only. The same set-based statements on every engine.
/// </summary>
/// <remarks>
/// Deletes by absence for a snapshot at moment M over the partitions it covers: a key of the previous snapshot (largest
/// moment before M) that this one lacks is deleted at M; a key of this snapshot that the next one already loaded
/// (smallest moment after M) lacks is deleted at that moment, as applying the snapshots in moment order would have done.
/// A key that has a row at the moment already gets none, so loading a snapshot again adds nothing. A delete such a late
/// snapshot makes redundant (a key it deletes at M that the next snapshot lacked too) stays, right after the delete at
/// M: two deletes in a row are one (rule 3), so the tables equal the in-order ones. The delete rows take the file's last
/// <c>_seq</c> (each key gets one at most, and it lies in the range the load reserved), <c>_line</c> 0 and the file's key.
/// </remarks>
internal sealed class SnapshotDeletes
{
    private readonly TableDefinition _table;
    private readonly string _raw;
    private readonly string _ts;
    private readonly string _op;

    private SnapshotDeletes(TableDefinition table)
    {
        _table = table;
        _raw = Identifiers.Quote(table.RawTable);
        _ts = Identifiers.Quote(table.SequenceColumn);
        _op = Identifiers.Quote(table.OpColumn);
    }

    /// <summary>
    /// Applies the snapshot whose rows are the ledger's <paramref name="firstSeq"/> to <paramref name="lastSeq"/>; returns
    /// null, or why it is set aside, its rows then taken back out of the ledger (the caller records the file LOAD_FAILED).
    /// With <paramref name="force"/> (<c>reload --force</c>), the truncated-extract guard does not stop it.
    /// </summary>
    public static string? Apply(ISqlRunner db, TableDefinition table, string fileKey, long firstSeq, long lastSeq, DateTime now, bool force)
    {
        var snapshot = new SnapshotDeletes(table);
        var aside = snapshot.Apply(db, fileKey, firstSeq, lastSeq, now, force);
        if (aside is not null)
        {
            db.Execute($"DELETE FROM {snapshot._raw} WHERE _seq BETWEEN $first AND $last", ("first", firstSeq), ("last", lastSeq));
        }

        return aside;
    }

    private string? Apply(ISqlRunner db, string fileKey, long firstSeq, long lastSeq, DateTime now, bool force)
    {
        if (lastSeq < firstSeq)
        {
            return "an empty snapshot has no moment and would delete every key; it is set aside";
        }

        var range = ("first", (object?)firstSeq);
        var end = ("last", (object?)lastSeq);
        var moment = (DateTime)db.Scalar($"SELECT {_ts} FROM {_raw} WHERE _seq = $first", range)!;
        if (Disagreement(db, range, end, moment) is { } reason)
        {
            return reason;
        }

        var at = ("moment", (object?)moment);
        db.Execute("DROP TABLE IF EXISTS _ct_snapshot_prev");
        db.Execute($"""
            CREATE TEMP TABLE _ct_snapshot_prev AS
            SELECT {Keys("k.")}, NOT EXISTS (SELECT 1 FROM {_raw} x WHERE {SameKey("x", "k")} AND x.{_ts} = $moment) AS _gone
            FROM (
                SELECT DISTINCT {Keys("r.")}
                FROM {_raw} r JOIN ({Neighbours("max", "<")}) n ON r.{_ts} = n._at{PartitionMatch("n", "r")}
                WHERE r.{_op} <> 'DELETE') k
            """, range, end, at);
        var live = Convert.ToInt64(db.Scalar("SELECT count(*) FROM _ct_snapshot_prev"), CultureInfo.InvariantCulture);
        var gone = Convert.ToInt64(db.Scalar("SELECT count(*) FROM _ct_snapshot_prev WHERE _gone"), CultureInfo.InvariantCulture);
        if (!force && gone > _table.Snapshot.MaxDeleteShare * live)
        {
            db.Execute("DROP TABLE _ct_snapshot_prev");
            return $"a snapshot at {Text(moment)} that would delete {gone} of the {live} live keys of the partitions it covers "
                + $"(more than Snapshot:MaxDeleteShare {_table.Snapshot.MaxDeleteShare.ToString(CultureInfo.InvariantCulture)}) is set aside as a truncated extract; 'reload --force' applies it";
        }

        var file = ("file", (object?)fileKey);
        var loaded = ("now", (object?)now);
        db.Execute($"""
            INSERT INTO {_raw} (_seq, _file, _line, _loaded_at, {Keys()}, {_ts}, {_op}, _event_time_given)
            SELECT $last, $file, 0, $now, {Keys()}, $moment, 'DELETE', true
            FROM _ct_snapshot_prev WHERE _gone
            """, end, file, loaded, at);
        db.Execute("DROP TABLE _ct_snapshot_prev");

        // Keys of this snapshot that the next one (already loaded) lacks: applied in order, it deleted them.
        db.Execute($"""
            INSERT INTO {_raw} (_seq, _file, _line, _loaded_at, {Keys()}, {_ts}, {_op}, _event_time_given)
            SELECT DISTINCT $last, $file, 0, $now, {Keys("s.")}, n._at, 'DELETE', true
            FROM {_raw} s JOIN ({Neighbours("min", ">")}) n ON {PartitionMatch("n", "s", first: true)}
            WHERE s._seq BETWEEN $first AND $last
              AND n._at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {_raw} x WHERE {SameKey("x", "s")} AND x.{_ts} = n._at)
            """, range, end, file, loaded, at);
        return null;
    }

    /// <summary>Why the file's rows are no snapshot (a row at another moment or without one, or a delete), or null.</summary>
    private string? Disagreement(ISqlRunner db, (string, object?) range, (string, object?) end, DateTime moment)
    {
        var odd = $"""
            FROM {_raw} WHERE _seq BETWEEN $first AND $last
              AND ({_ts} <> $moment OR NOT _event_time_given OR {_op} = 'DELETE')
            """;
        var at = ("moment", (object?)moment);
        if (db.Scalar($"SELECT min(_line) {odd}", range, end, at) is not { } line || line is DBNull)
        {
            return null;
        }

        var where = ("line", (object?)Convert.ToInt64(line, CultureInfo.InvariantCulture));
        var first = db.Scalar($"SELECT _line FROM {_raw} WHERE _seq = $first", range);
        var given = db.Scalar($"SELECT _event_time_given {odd} AND _line = $line", range, end, at, where) is true;
        var rowTime = (DateTime)db.Scalar($"SELECT {_ts} {odd} AND _line = $line", range, end, at, where)!;
        var isDelete = db.Scalar($"SELECT {_op} = 'DELETE' {odd} AND _line = $line", range, end, at, where) is true;
        var field = isDelete ? _table.OpColumn : _table.EventTime;
        var problem = isDelete ? "is DELETE; a snapshot file lists the keys that exist"
            : !given ? "is empty; every row of a snapshot file carries the snapshot's moment"
            : $"{Text(rowTime)} is not the snapshot's moment {Text(moment)} (line {first}); every row of a snapshot file carries one moment";
        return $"line {line}, field {field}: {problem}";
    }

    /// <summary>
    /// For each partition the file covers, the moment of its snapshot nearest the file's: <paramref name="pick"/> (max or
    /// min) of the moments <paramref name="side"/> (&lt; or &gt;) it; rows <c>_at</c> and the partition columns.
    /// </summary>
    private string Neighbours(string pick, string side)
    {
        var parts = _table.Snapshot.Partition;
        if (parts.Count == 0)
        {
            return $"SELECT {pick}({_ts}) AS _at FROM {_raw} WHERE {_op} <> 'DELETE' AND {_ts} {side} $moment";
        }

        var columns = string.Join(", ", parts.Select(p => p.Quoted));
        return $"""
            SELECT g.*
            FROM (SELECT {columns}, {pick}({_ts}) AS _at FROM {_raw} WHERE {_op} <> 'DELETE' AND {_ts} {side} $moment GROUP BY {columns}) g
            WHERE EXISTS (SELECT 1 FROM {_raw} c WHERE c._seq BETWEEN $first AND $last{PartitionMatch("c", "g")})
            """;
    }

    /// <summary>The partition columns of <paramref name="a"/> and <paramref name="b"/> agree (NULL being a partition too).</summary>
    private string PartitionMatch(string a, string b, bool first = false)
    {
        var match = _table.Snapshot.Partition.Select(p => $"{a}.{p.Quoted} IS NOT DISTINCT FROM {b}.{p.Quoted}").ToList();
        return first
            ? match.Count == 0 ? "true" : string.Join(" AND ", match)
            : string.Concat(match.Select(m => " AND " + m));
    }

    private string Keys(string prefix = "") => string.Join(", ", _table.Key.Select(k => prefix + k.Quoted));

    private string SameKey(string a, string b) => string.Join(" AND ", _table.Key.Select(k => $"{a}.{k.Quoted} = {b}.{k.Quoted}"));

    private static string Text(DateTime t) =>
        t.ToString(t.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
