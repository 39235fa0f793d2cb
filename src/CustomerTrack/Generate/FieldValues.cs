using System.Globalization;
using Bogus;
using CustomerTrack.Tables;

namespace CustomerTrack.Generate;

/// <summary>
/// Plausible values for any column: chosen by well-known column names (email, city, price, sku, …) and otherwise by
/// type. Bogus fills pools once (<see cref="NamePools"/> and a few more); a seeded random samples them, so the same
/// seed gives the same values.
/// </summary>
internal sealed class FieldValues
{
    private static readonly string[] Regions = ["EU", "US", "APAC", "LATAM", "MEA"];
    private static readonly string[] Segments = ["consumer", "corporate", "home office", "small business", "enterprise"];
    private static readonly string[] Statuses = ["active", "inactive", "pending", "suspended"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP", "JPY", "CHF", "SEK"];
    private static readonly DateOnly Dates = new(2015, 1, 1);
    private static readonly DateTime Times = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly NamePools _names;
    private readonly string[] _phones, _companies, _products, _words, _sentences, _zips, _urls, _colors;

    public FieldValues(int seed)
    {
        _names = new NamePools(seed);
        var faker = new Faker("en") { Random = new Randomizer(seed + 1) };
        _phones = Draw(() => faker.Phone.PhoneNumber("###-###-####"));
        _companies = Draw(() => faker.Company.CompanyName());
        _products = Draw(() => faker.Commerce.ProductName());
        _words = Draw(() => faker.Lorem.Word());
        _sentences = Draw(() => faker.Lorem.Sentence());
        _zips = Draw(() => faker.Address.ZipCode());
        _urls = Draw(() => faker.Internet.Url());
        _colors = Draw(() => faker.Commerce.Color());
    }

    /// <summary>A draw for the column <paramref name="name"/> of type <paramref name="type"/>.</summary>
    public Func<Random, object> For(string name, ColumnType type) => type.Kind switch
    {
        ColumnKind.String => ForString(name),
        ColumnKind.Int32 => r => (int)Integer(r, name),
        ColumnKind.Int64 => r => Integer(r, name),
        ColumnKind.Double => r => Math.Round((double)Amount(r, name, 6, 2), 2),
        ColumnKind.Decimal => r => Amount(r, name, type.Precision - type.Scale, type.Scale),
        ColumnKind.Bool => r => r.Next(2) == 1,
        ColumnKind.Date => Has(name, "birth", "dob")
            ? r => new DateOnly(1950, 1, 1).AddDays(r.Next(20000))
            : r => Dates.AddDays(r.Next(4000)),
        _ => r => Times.AddSeconds(r.Next(200_000_000)),
    };

    /// <summary>
    /// The <paramref name="n"/>-th value of a key column (from 1): different for every n, so that the first key column
    /// alone makes keys unique.
    /// </summary>
    public static object Unique(string name, ColumnType type, long n) => type.Kind switch
    {
        ColumnKind.String when Has(name, "email", "mail") => $"user{n}@example.org",
        ColumnKind.String => string.Create(CultureInfo.InvariantCulture, $"{Prefix(name)}-{n:D5}"),
        ColumnKind.Int32 => (int)n,
        ColumnKind.Int64 => n,
        ColumnKind.Double => (double)n,
        ColumnKind.Decimal => (decimal)n,
        ColumnKind.Bool => n % 2 == 0,
        ColumnKind.Date => Dates.AddDays((int)n),
        _ => Times.AddSeconds(n),
    };

    private Func<Random, object> ForString(string name)
    {
        if (Has(name, "email", "mail"))
        {
            return r => Email(r);
        }

        if (Has(name, "first_name", "firstname", "given_name"))
        {
            return r => Pick(r, _names.FirstNames);
        }

        if (Has(name, "last_name", "lastname", "surname", "family_name"))
        {
            return r => Pick(r, _names.LastNames);
        }

        return name switch
        {
            _ when Has(name, "phone", "mobile", "tel", "fax") => r => Pick(r, _phones),
            _ when Has(name, "street", "address") => r => Pick(r, _names.Streets),
            _ when Has(name, "city", "town") => r => Pick(r, _names.Cities),
            _ when Has(name, "country") => r => Pick(r, _names.Countries),
            _ when Has(name, "state", "province") && !Has(name, "status") => r => Pick(r, _names.States),
            _ when Has(name, "region") => r => Pick(r, Regions),
            _ when Has(name, "zip", "zipcode", "postcode", "postal") => r => Pick(r, _zips),
            _ when Has(name, "sku") => r => string.Create(CultureInfo.InvariantCulture, $"SKU-{r.Next(100_000):D5}"),
            _ when Has(name, "segment", "tier") => r => Pick(r, Segments),
            _ when Has(name, "status") => r => Pick(r, Statuses),
            _ when Has(name, "currency") => r => Pick(r, Currencies),
            _ when Has(name, "company", "employer", "vendor", "supplier") => r => Pick(r, _companies),
            _ when Has(name, "product", "title", "item") => r => Pick(r, _products),
            _ when Has(name, "url", "website", "homepage") => r => Pick(r, _urls),
            _ when Has(name, "color", "colour") => r => Pick(r, _colors),
            _ when Has(name, "description", "comment", "note", "text") => r => Pick(r, _sentences),
            _ when Has(name, "name") => r => Pick(r, _names.FirstNames) + " " + Pick(r, _names.LastNames),
            _ => r => Pick(r, _words),
        };
    }

    private string Email(Random r) =>
        string.Concat(Pick(r, _names.FirstNames).ToLowerInvariant(), ".", Pick(r, _names.LastNames).ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal),
            r.Next(100).ToString(CultureInfo.InvariantCulture), "@", Pick(r, _names.Domains));

    private static long Integer(Random r, string name) => name switch
    {
        _ when Has(name, "age") => r.Next(18, 90),
        _ when Has(name, "year") => r.Next(1990, 2027),
        _ when Has(name, "qty", "quantity", "stock", "count", "units") => r.Next(0, 500),
        _ => r.Next(1, 100_000),
    };

    /// <summary>A non-negative amount with <paramref name="scale"/> decimals that fits <paramref name="digits"/> whole digits.</summary>
    private static decimal Amount(Random r, string name, int digits, int scale)
    {
        // Past 18 places (a decimal(38,30)) a value with 18 is still valid, and .NET's decimal rounds to at most 28.
        scale = Math.Min(scale, 18);
        var upper = Has(name, "price", "amount", "cost", "total", "balance", "revenue", "fee") ? 1000m : 100_000m;
        // DECIMAL(p,s) holds fewer than 10^(p-s) whole units.
        var limit = digits >= 6 ? upper : Math.Min(upper, Pow10(digits));
        var step = 1m / Pow10(scale);
        var value = Math.Round((decimal)r.NextDouble() * limit, scale, MidpointRounding.ToZero);
        return value >= limit ? limit - step : value;
    }

    private static decimal Pow10(int n)
    {
        var p = 1m;
        for (var i = 0; i < n; i++)
        {
            p *= 10;
        }

        return p;
    }

    /// <summary>Whether one of the words of <paramref name="name"/> (split at underscores) is one of <paramref name="words"/>; unit_price is a price, a page is no age.</summary>
    private static bool Has(string name, params string[] words)
    {
        var parts = name.ToLowerInvariant().Split('_');
        return words.Any(w => w.Contains('_', StringComparison.Ordinal) ? name.Contains(w, StringComparison.OrdinalIgnoreCase) : parts.Contains(w));
    }

    private static string Prefix(string name)
    {
        var letters = new string([.. name.Where(char.IsAsciiLetter).Take(3)]).ToUpperInvariant();
        return letters.Length == 0 ? "K" : letters;
    }

    private static string Pick(Random r, string[] pool) => pool[r.Next(pool.Length)];

    private static string[] Draw(Func<string> next, int size = 500)
    {
        var values = new string[size];
        for (var i = 0; i < size; i++)
        {
            values[i] = next();
        }

        return values;
    }
}
