using System.Text.Json;

namespace CustomerTrack.Ingest;

/// <summary>
/// Reads <c>logs/provenance.jsonl</c> (one <see cref="ProvenanceRecord"/> a line, appended by ingest) for the
/// <c>provenance</c> command: which landing file became which lake key, when, and in which run.
/// </summary>
internal static class ProvenanceLog
{
    /// <summary>
    /// Every record, in the order ingest wrote them. A line cut short by a crash (or being appended as this reads) is left
    /// out; the file is opened so that a running ingest may go on appending.
    /// </summary>
    public static IReadOnlyList<ProvenanceRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var records = new List<ProvenanceRecord>();
        while (reader.ReadLine() is { } line)
        {
            if (Parse(line) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private static ProvenanceRecord? Parse(string line)
    {
        try
        {
            return line.Length == 0 ? null : JsonSerializer.Deserialize<ProvenanceRecord>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The records a user's name for a file means: its path below landing/ (<c>orders/2026/a.ndjson</c>), its file name
    /// (<c>a.ndjson</c>) or its lake key.
    /// </summary>
    public static IEnumerable<ProvenanceRecord> Named(IEnumerable<ProvenanceRecord> records, string name) =>
        records.Where(r => r.Key == name || r.File == name || r.File[(r.File.LastIndexOf('/') + 1)..] == name);
}
