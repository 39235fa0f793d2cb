using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace CustomerTrack.Formats;

/// <summary>
/// A file's characters, decoded here rather than by a <see cref="StreamReader"/> so that the reader knows which
/// characters stand for bytes that are not UTF-8: those read as U+FFFD with <c>invalid</c> set, while a U+FFFD the
/// file holds as valid UTF-8 (EF BF BD) is a character like any other. Latin-1 has no invalid bytes. A UTF-8 byte
/// order mark at the start is skipped.
/// </summary>
internal sealed class FileChars : IDisposable
{
    public const int End = -1;

    private readonly Stream _stream;
    private readonly bool _latin1;
    private readonly byte[] _bytes = new byte[1 << 16];
    private readonly char[] _chars = new char[1 << 16];
    private readonly List<int> _invalidAt = [];
    private int _byteStart, _byteEnd, _pos, _len, _nextInvalid;
    private bool _eof, _started;

    public FileChars(string path, bool latin1)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        _latin1 = latin1;
    }

    /// <summary>The UTF-8 bytes of a character (a surrogate, half of a pair, counts half of its pair's four).</summary>
    public static int Utf8Bytes(int c) => c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate((char)c) ? 2 : 3;

    /// <summary>The next character, or <see cref="End"/>; <paramref name="invalid"/> when it stands for bytes that are not UTF-8.</summary>
    public int Read(out bool invalid)
    {
        if (_pos == _len && !Fill())
        {
            invalid = false;
            return End;
        }

        invalid = _nextInvalid < _invalidAt.Count && _invalidAt[_nextInvalid] == _pos;
        if (invalid)
        {
            _nextInvalid++;
        }

        return _chars[_pos++];
    }

    private bool Fill()
    {
        _pos = _len = _nextInvalid = 0;
        _invalidAt.Clear();
        while (true)
        {
            // An incomplete sequence is at most three bytes: with fewer than four left, read on first.
            if (!_eof && _byteEnd - _byteStart < 4)
            {
                Array.Copy(_bytes, _byteStart, _bytes, 0, _byteEnd - _byteStart);
                _byteEnd -= _byteStart;
                _byteStart = 0;
                var n = _stream.Read(_bytes, _byteEnd, _bytes.Length - _byteEnd);
                if (n == 0)
                {
                    _eof = true;
                }

                _byteEnd += n;
                continue;
            }

            if (!_started)
            {
                _started = true;
                if (!_latin1 && _bytes.AsSpan(_byteStart, _byteEnd - _byteStart).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                {
                    _byteStart += 3;
                }
            }

            if (_byteStart == _byteEnd)
            {
                return _len > 0;
            }

            if (_latin1)
            {
                var count = Math.Min(_byteEnd - _byteStart, _chars.Length);
                Encoding.Latin1.GetChars(_bytes, _byteStart, count, _chars, 0);
                _byteStart += count;
                _len = count;
                return true;
            }

            var status = Utf8.ToUtf16(_bytes.AsSpan(_byteStart, _byteEnd - _byteStart), _chars.AsSpan(_len), out var read, out var written,
                replaceInvalidSequences: false, isFinalBlock: _eof);
            _byteStart += read;
            _len += written;
            switch (status)
            {
                case OperationStatus.InvalidData when _len < _chars.Length:
                    // The longest run of bytes that starts no valid sequence becomes one U+FFFD, as a decoder would make it.
                    Rune.DecodeFromUtf8(_bytes.AsSpan(_byteStart, _byteEnd - _byteStart), out _, out var bad);
                    _invalidAt.Add(_len);
                    _chars[_len++] = '\uFFFD';
                    _byteStart += Math.Max(bad, 1);
                    break;
                case OperationStatus.InvalidData or OperationStatus.DestinationTooSmall:
                    return true;
                default:
                    // Done, or a sequence cut by the end of what was read: read on unless there is something to hand out.
                    if (_len > 0 && (_eof || _byteEnd - _byteStart < 4))
                    {
                        return true;
                    }

                    break;
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
