using CustomerTrack.Tables;

namespace CustomerTrack.Snowflake;

/// <summary>How a definition's column types are spelt in Snowflake, and how a raw text value becomes one.</summary>
internal static class SnowflakeTypes
{
    public static string Sql(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Int32 => "NUMBER(10,0)",
        ColumnKind.Int64 => "NUMBER(19,0)",
        ColumnKind.Double => "FLOAT",
        ColumnKind.Decimal => $"NUMBER({type.Precision},{type.Scale})",
        ColumnKind.Bool => "BOOLEAN",
        ColumnKind.Date => "DATE",
        _ => "TIMESTAMP_NTZ",
    };

    /// <summary>
    /// The typed value of the raw text <paramref name="raw"/>, NULL when it is not one. Timestamps with an offset are
    /// turned to UTC; without one they are read in the task's time zone, which the task sets to UTC (our rule).
    /// Whole numbers must be written as such ('1.5' is not an int64, where a plain cast would round it).
    /// </summary>
    public static string Typed(ColumnType type, string raw) => type.Kind switch
    {
        ColumnKind.String => raw,
        ColumnKind.Int32 => $"CASE WHEN TRIM({raw}) RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM({raw}), 10, 0) END",
        ColumnKind.Int64 => $"CASE WHEN TRIM({raw}) RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM({raw}), 19, 0) END",
        ColumnKind.Double => $"TRY_TO_DOUBLE(TRIM({raw}))",
        ColumnKind.Decimal => $"TRY_TO_NUMBER(TRIM({raw}), {type.Precision}, {type.Scale})",
        ColumnKind.Bool => $"TRY_TO_BOOLEAN(TRIM({raw}))",
        ColumnKind.Date => $"TRY_TO_DATE(TRIM({raw}))",
        _ => $"CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM({raw})))::TIMESTAMP_NTZ",
    };
}
