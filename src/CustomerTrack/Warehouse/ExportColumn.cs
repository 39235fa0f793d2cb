namespace CustomerTrack.Warehouse;

/// <summary>A column to export, with its type as the source engine's catalog gives it.</summary>
internal sealed record ExportColumn(string Name, string DataType, int? Precision, int? Scale);
