using System.Text.Json.Nodes;
using CustomerTrack.Formats;
using CustomerTrack.Tables;

namespace CustomerTrack.Init;

/// <summary>
/// <c>init</c>'s check of its own guess: the sample loaded through the definition it writes, by the reader the pipeline
/// uses (no warehouse). A column whose sample value is rejected is made a string (its text kept as written), an event
/// time or op column that rejects is dropped to a string attribute; what cannot be mended so (a rejected row, a file the
/// reader cannot take, an event time the person asked for) is refused with the sample's line and reason.
/// </summary>
internal static class SampleCheck
{
    /// <summary>The first reject of each field, or the reason the whole file is not read; empty when the sample loads whole.</summary>
    public static (string? FileError, IReadOnlyList<(long Line, string Field, string Reason)> Rejects) Load(string sample, TableDefinition table, int maxFieldBytes)
    {
        var sink = new Sink();
        var summary = ChangeFiles.Read(sample, table, maxFieldBytes, sink);
        return (summary.FileError, sink.Rejects);
    }

    /// <summary>
    /// <c>check --sample</c>: the sample read through <paramref name="table"/> by the pipeline's reader, as a load would
    /// take it, with every reject (line, field, reason), like load_rejects; no warehouse is opened.
    /// </summary>
    public static (FileReadSummary Summary, IReadOnlyList<(long Line, string Field, string Reason)> Rejects) Rehearse(string sample, TableDefinition table, int maxFieldBytes)
    {
        var sink = new Sink(everyReject: true);
        return (ChangeFiles.Read(sample, table, maxFieldBytes, sink), sink.Rejects);
    }

    /// <summary>
    /// Mends <paramref name="entry"/> for a reject of <paramref name="field"/>: true when it did (the column is now a
    /// string, or no longer the event time or op); false when the reject cannot be mended by a type.
    /// </summary>
    public static bool Mend(JsonObject entry, string field, bool eventTimeAsked, List<string> notes, string why)
    {
        var columns = (JsonObject)entry["Columns"]!;
        if (entry["EventTime"]?.GetValue<string>() == field)
        {
            if (eventTimeAsked)
            {
                return false;
            }

            entry.Remove("EventTime");
            columns[field] = "string";
            notes.Add($"event time: none; {field} is kept as a string, because a sample value is not a timestamp to the reader ({why})");
            return true;
        }

        if (entry["Op"] is JsonObject op && op["Column"]?.GetValue<string>() == field)
        {
            entry.Remove("Op");
            columns[field] = "string";
            notes.Add($"op: none; {field} is kept as a string attribute, because a sample value is not in the mapping ({why})");
            return true;
        }

        if (columns[field] is { } type && type.GetValue<string>() != "string")
        {
            notes.Add($"type: {field} is a string, not {type.GetValue<string>()}: the sample would not load so ({why})");
            columns[field] = "string";
            return true;
        }

        return false;
    }

    /// <summary>Collects rejects: the first of each field (init's mending), or <paramref name="everyReject"/>.</summary>
    private sealed class Sink(bool everyReject = false) : IChangeSink
    {
        private readonly HashSet<string> _fields = new(StringComparer.Ordinal);

        public List<(long Line, string Field, string Reason)> Rejects { get; } = [];

        public void Accept(ParsedChange change)
        {
        }

        public void Reject(long line, string field, string reason, string raw)
        {
            if (_fields.Add(field) || everyReject)
            {
                Rejects.Add((line, field, reason));
            }
        }
    }
}
