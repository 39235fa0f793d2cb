using System.Text;

namespace CustomerTrack.Formats;

/// <summary>
/// Splits a CSV file into rows and fields by the lenient RFC 4180 rule (README, "How a CSV file is read"):
/// a quote opens a quoted field only as the field's first character (spaces or tabs before it are dropped); anywhere
/// else it is data, so stray quotes never join rows. In a quoted field a doubled quote is one quote, and the closing
/// quote may be followed only by spaces or tabs before the delimiter or the line end; other text there rejects the row.
/// A quoted field that never closes runs to the end of the file and rejects that one row.
/// Memory is bounded whatever the file holds: a field past <c>maxFieldBytes</c> is counted, not kept; fields past
/// <see cref="Keep"/> are counted, not kept; the raw text kept for a reject is cut at <see cref="RawLimit"/>.
/// Why not a library: Sep pairs quotes anywhere in a field and none of its options gives this rule, so stray quotes
/// joined rows silently (issue 12); Sylvan.Data.Csv has the rule but its reader cannot go on past a malformed row.
/// CsvHelper 33's CsvParser (RFC 4180 mode) has the rule and was tried under this class (branch csvlib): every reader
/// case passed, but a quote after spaces opens a field only with trimming on, which strips every value's outer spaces,
/// and a field past its MaxFieldSize ends the parser, so the rest of the file would become one reject.
/// CsvHelper 34.0.0's reader (CsvReader.Create over the file's bytes, Mode Rfc4180, MalformedData Recover,
/// OnMalformedRecord, TrackLineNumbers; tried on branch csv34) fixes the unclosed <c>""</c> at the end of the file
/// (UnterminatedQuote), gives line numbers of multi-line fields, keeps a field's bytes (so invalid UTF-8 and a written
/// U+FFFD are told apart) and transcodes latin-1, but it still cannot stand in for this class:
/// (1) Quote and Separator must be ASCII: <c>"Quote": "«"</c> or <c>"Delimiter": "§"</c>, which the settings take (any
/// one character), throws ArgumentException ("Quote must be a printable ASCII character (or tab)") before a row is read.
/// (2) OnMalformedRecord names only a record's first problem, and a stray quote (data here) is one: in
/// <c>a"b,"c"d</c> it reports StrayQuote and returns <c>a"b</c>, <c>cd</c>, so the text after field 2's closing quote,
/// which rejects this row, is not reported; telling it would take re-reading every quoted field's raw text here.
/// (3) A field past Load:MaxFieldBytes: with MaxRecordSize set, <c>1,"&lt;2 MiB of x&gt;"\n2,b</c> throws
/// CsvFormatException ("Record 1 is longer than MaxRecordSize") and every later Read throws it again, so row 2 is never
/// read; without it the record is held whole in memory (up to about 2 GiB), where this class keeps only what it needs.
/// (4) A quote after spaces opens a field only with TrimWhitespace, which also trims unquoted values (<c>  pad  </c>
/// reads <c>pad</c>; GetRawSpan still has the spaces); without it <c> "Smith, Ann" ,x</c> splits into three fields.
/// </summary>
internal sealed class CsvRows(FileChars chars, char delimiter, char quote, int maxFieldBytes) : IDisposable
{
    private readonly bool _quoting = quote != '\0';
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _raw = new();
    private readonly StringBuilder _lead = new();
    private readonly List<int> _ends = [];
    private readonly List<long> _bytes = [];
    private readonly List<bool> _invalid = [];
    private readonly List<bool> _nul = [];
    private int _pending = -2;
    private bool _pendingInvalid;
    private long _line = 1;

    /// <summary>How many fields of a row to keep (the rest are only counted).</summary>
    public int Keep { get; set; } = int.MaxValue;

    /// <summary>The most UTF-8 bytes a row's kept fields may hold together; past it the row is <see cref="TooLong"/>.</summary>
    public long RowLimit { get; set; } = long.MaxValue;

    /// <summary>The most characters of a row kept as its raw text.</summary>
    public int RawLimit { get; } = Math.Max(maxFieldBytes, 4096);

    /// <summary>The physical line the current row starts on.</summary>
    public long Line { get; private set; }

    /// <summary>How many fields the row has (kept or not).</summary>
    public int Count { get; private set; }

    /// <summary>Why the row's structure is broken (a quote), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Whether the row's kept fields went past <see cref="RowLimit"/>.</summary>
    public bool TooLong { get; private set; }

    /// <summary>Whether the row is blank (nothing but white space): no row at all.</summary>
    public bool Blank { get; private set; }

    /// <summary>The row's text as written, cut at <see cref="RawLimit"/>.</summary>
    public string Raw => _raw.Length < RawLimit ? _raw.ToString() : $"{_raw}… (cut at {RawLimit} characters)";

    public int Kept => _ends.Count;

    public string this[int i] => _text.ToString(i == 0 ? 0 : _ends[i - 1], _ends[i] - (i == 0 ? 0 : _ends[i - 1]));

    /// <summary>The UTF-8 bytes of field <paramref name="i"/> (counted in full even when not kept in full).</summary>
    public long BytesOf(int i) => _bytes[i];

    /// <summary>Whether field <paramref name="i"/> held bytes that are not UTF-8.</summary>
    public bool InvalidAt(int i) => _invalid[i];

    /// <summary>Whether field <paramref name="i"/> holds a NUL.</summary>
    public bool NulAt(int i) => _nul[i];

    /// <summary>Reads the next row; false at the end of the file.</summary>
    public bool Next()
    {
        _text.Clear();
        _raw.Clear();
        _ends.Clear();
        _bytes.Clear();
        _invalid.Clear();
        _nul.Clear();
        Count = 0;
        Error = null;
        TooLong = false;
        Line = _line;
        var blank = true;
        long rowBytes = 0;
        var c = Take(out var bad);
        if (c == FileChars.End)
        {
            return false;
        }

        while (true)
        {
            // One field: c is its first character.
            var keep = Count < Keep && !TooLong;
            long bytes = 0;
            bool invalid = false, nul = false;
            void Add(int ch, bool isInvalid)
            {
                invalid |= isInvalid;
                nul |= ch == '\0';
                var size = FileChars.Utf8Bytes(ch);
                bytes += size;
                rowBytes += size;
                if (rowBytes > RowLimit)
                {
                    TooLong = true;
                }

                if (keep && !TooLong && bytes <= maxFieldBytes)
                {
                    _text.Append((char)ch);
                }
            }

            // Spaces or tabs, then a quote: a quoted field. Without the quote the spaces are data.
            _lead.Clear();
            while (_quoting && (c == ' ' || c == '\t') && c != delimiter && _lead.Length <= maxFieldBytes)
            {
                Echo(c, ref blank);
                _lead.Append((char)c);
                c = Take(out bad);
            }

            if (_quoting && c == quote)
            {
                Echo(c, ref blank);
                blank = false;
                while (true)
                {
                    c = Take(out bad);
                    if (c == FileChars.End)
                    {
                        Error ??= "unclosed quote: the quoted field runs to the end of the file";
                        break;
                    }

                    Echo(c, ref blank);
                    if (c == quote)
                    {
                        c = Take(out bad);
                        if (c == quote)
                        {
                            Echo(c, ref blank);
                            Add(c, false);
                            continue;
                        }

                        // Closed: spaces or tabs may follow, then the delimiter or the line end.
                        while ((c == ' ' || c == '\t') && c != delimiter)
                        {
                            Echo(c, ref blank);
                            c = Take(out bad);
                        }

                        if (c != delimiter && c != '\n' && c != '\r' && c != FileChars.End)
                        {
                            Error ??= $"text after the closing quote of field {Count + 1} (a quote inside a quoted field is written twice)";
                        }

                        break;
                    }

                    if (c == '\n' || (c == '\r' && Peek() != '\n'))
                    {
                        _line++;
                    }

                    Add(c, bad);
                }
            }
            else
            {
                for (var i = 0; i < _lead.Length; i++)
                {
                    Add(_lead[i], false);
                }
            }

            // The rest of the field, unquoted (after a broken closing quote too): quotes are data.
            while (c != FileChars.End && c != delimiter && c != '\n' && c != '\r')
            {
                Echo(c, ref blank);
                Add(c, bad);
                c = Take(out bad);
            }

            if (keep)
            {
                _ends.Add(_text.Length);
                _bytes.Add(bytes);
                _invalid.Add(invalid);
                _nul.Add(nul);
            }

            Count++;
            if (c == delimiter)
            {
                rowBytes++;
                Echo(c, ref blank);
                c = Take(out bad);
                continue;
            }

            // The line end (or the end of the file) ends the row.
            if (c == '\r' && Peek() == '\n')
            {
                Take(out _);
            }

            if (c != FileChars.End)
            {
                _line++;
            }

            Blank = blank;
            return true;
        }
    }

    private void Echo(int c, ref bool blank)
    {
        blank &= char.IsWhiteSpace((char)c);
        if (_raw.Length < RawLimit)
        {
            _raw.Append((char)c);
        }
    }

    private int Take(out bool invalid)
    {
        if (_pending != -2)
        {
            var p = _pending;
            invalid = _pendingInvalid;
            _pending = -2;
            return p;
        }

        return chars.Read(out invalid);
    }

    private int Peek()
    {
        if (_pending == -2)
        {
            _pending = chars.Read(out _pendingInvalid);
        }

        return _pending;
    }

    public void Dispose() => chars.Dispose();
}
