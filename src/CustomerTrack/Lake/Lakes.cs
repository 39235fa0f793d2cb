using CustomerTrack.Lake.S3;

namespace CustomerTrack.Lake;

/// <summary>Opens the lake a workspace's <c>Lake:Uri</c> names: a folder, or <c>s3://bucket/prefix</c>.</summary>
internal static class Lakes
{
    public static ILake Open(Workspace workspace, TimeProvider time) => workspace.Settings.Lake.IsS3
        ? new S3Lake(workspace.Settings.Lake.Uri, workspace.Settings.Lake.S3, Path.Combine(workspace.Root, "tmp"), time)
        : new FolderLake(workspace.LakeRoot);
}
