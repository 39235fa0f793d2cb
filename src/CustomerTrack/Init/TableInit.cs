using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerTrack.Configuration;

namespace CustomerTrack.Init;

/// <summary>What <c>init</c> wrote: the table, the settings file, the notes on its choices and the entry as JSON.</summary>
internal sealed record InitResult(string Table, string SettingsFile, bool Created, IReadOnlyList<string> Notes, string Entry);

/// <summary>
/// <c>init --from</c>: infers a definition from a sample and writes it into the workspace's settings file, keeping every
/// other setting and table in it. The file is checked by loading it back as the pipeline would, and the sample by loading it
/// through the definition (<see cref="SampleCheck"/>); a definition that does not load, or under which a sample value
/// would be rejected and cannot be mended, leaves the file as it was.
/// </summary>
internal static class TableInit
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static InitResult Run(string workspaceDir, InitRequest request, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var root = Path.GetFullPath(workspaceDir);
        var file = Path.Combine(root, SettingsLoader.FileName);
        var inferred = TableInference.Infer(request);

        var created = !File.Exists(file);
        var before = created ? null : File.ReadAllBytes(file);
        var settings = before is null ? new JsonObject() : Parse(file, before);
        // Configuration keys ignore case; so does finding the section.
        var section = settings.Select(p => p.Key).FirstOrDefault(k => k.Equals("Tables", StringComparison.OrdinalIgnoreCase)) ?? "Tables";
        if (settings[section] is not JsonObject tables)
        {
            if (settings.ContainsKey(section))
            {
                throw new CustomerTrackException($"{file}: Tables is not an object of table definitions; fix it, then run init again");
            }

            tables = [];
            settings[section] = tables;
        }

        var notes = new List<string>(inferred.Notes);
        if (tables.Count == 0 && inferred.Name == "customer" && !request.Force)
        {
            throw new CustomerTrackException("customer is the built-in table (in force while settings define no table); pass --force to replace it, or --table NAME for another name");
        }

        if (tables.Count == 0)
        {
            notes.Add("tables: with a Tables section, exactly the tables it names are kept (customer too only if it is defined there)");
        }

        var existing = tables.Select(t => t.Key).FirstOrDefault(k => k.Equals(inferred.Name, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            if (!request.Force)
            {
                throw new CustomerTrackException($"{file} already defines table {existing}; pass --force to replace it, or --table NAME for another name");
            }

            tables.Remove(existing);
            notes.Add($"replaced: the earlier definition of {existing} (--force)");
        }

        tables[inferred.Name] = inferred.Entry;
        Directory.CreateDirectory(root);
        void Restore()
        {
            if (before is null)
            {
                File.Delete(file);
            }
            else
            {
                File.WriteAllBytes(file, before);
            }
        }

        // Each pass writes the definition, reads it back as the pipeline will, and loads the sample through it; a
        // column whose sample value is rejected is mended (SampleCheck) and the next pass checks again. Every pass
        // mends one column at least, so there are at most as many passes as columns.
        for (var pass = 0; ; pass++)
        {
            var temp = Path.Combine(root, "." + SettingsLoader.FileName + ".tmp");
            File.WriteAllText(temp, settings.ToJsonString(Indented) + "\n");
            File.Move(temp, file, overwrite: true);
            Settings loaded;
            try
            {
                // Checked as the pipeline will read it: the definition must pass TableDefinitions.From.
                loaded = SettingsLoader.Load(root, flags);
            }
            catch (CustomerTrackException e)
            {
                Restore();
                throw new CustomerTrackException($"the inferred definition of {inferred.Name} does not load, so {file} is left as it was: {e.Message}", e);
            }

            var table = loaded.Definitions.First(t => t.Name == inferred.Name);
            var (fileError, rejects) = SampleCheck.Load(inferred.Sample, table, loaded.Load.MaxFieldBytes);
            if (fileError is null && rejects.Count == 0)
            {
                break;
            }

            var name = Path.GetFileName(inferred.Sample);
            var mended = fileError is null && pass <= ((JsonObject)inferred.Entry["Columns"]!).Count + 2;
            var mendedAny = false;
            foreach (var (line, field, reason) in mended ? rejects : [])
            {
                mendedAny |= SampleCheck.Mend(inferred.Entry, field, inferred.EventTimeAsked, notes, $"line {line}: {reason}");
            }

            if (!mendedAny)
            {
                Restore();
                var (line, field, reason) = rejects.Count > 0 ? rejects[0] : (0L, "(file)", fileError!);
                throw new CustomerTrackException(fileError is not null
                    ? $"{name} does not load through the inferred definition of {inferred.Name} ({fileError}), so {file} is left as it was"
                    : $"{name} does not load through the inferred definition of {inferred.Name}: line {line}, {field}: {reason}; {file} is left as it was (fix the sample or pass --key / --event-time)");
            }
        }

        var entry = new JsonObject { [inferred.Name] = inferred.Entry.DeepClone() };
        return new InitResult(inferred.Name, file, created, notes, entry.ToJsonString(Indented));
    }

    private static JsonObject Parse(string file, byte[] content)
    {
        try
        {
            var node = JsonNode.Parse(content, documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            return node as JsonObject ?? throw new CustomerTrackException($"{file} is not a JSON object; fix it, then run init again");
        }
        catch (JsonException e)
        {
            throw new CustomerTrackException($"{file} is not valid JSON: {e.Message}", e);
        }
    }
}
