<#
.SYNOPSIS
    Finds the largest folders under a path without following junctions.
.EXAMPLE
    .\Get-DiskUsage.ps1 -Path D:\Shares -Depth 2 -Top 20
#>
param(
    [Parameter(Mandatory)]
    [string]$Path,
    [ValidateRange(1, 10)]
    [int]$Depth = 2,
    [int]$Top = 25
)

function Get-FolderBytes {
    param([System.IO.DirectoryInfo]$Folder)
    $total = 0L
    $stack = [System.Collections.Generic.Stack[System.IO.DirectoryInfo]]::new()
    $stack.Push($Folder)
    :walk while ($stack.Count -gt 0) {
        $dir = $stack.Pop()
        try {
            foreach ($entry in $dir.EnumerateFileSystemInfos()) {
                if ($entry.Attributes -band [System.IO.FileAttributes]::ReparsePoint) { continue }
                if ($entry -is [System.IO.DirectoryInfo]) {
                    $stack.Push($entry)
                }
                else {
                    $total += $entry.Length
                }
            }
        }
        catch [System.UnauthorizedAccessException] {
            Write-Verbose "Access denied: $($dir.FullName)"
            continue walk
        }
    }
    $total
}

$root = Get-Item -LiteralPath $Path
$folders = @($root)
for ($level = 1; $level -le $Depth; $level++) {
    $folders += $folders | Where-Object { ($_.FullName.TrimEnd('\') -split '\\').Count -eq ($root.FullName.TrimEnd('\') -split '\\').Count + $level - 1 } |
        ForEach-Object { Get-ChildItem -LiteralPath $_.FullName -Directory -Force -ErrorAction SilentlyContinue } |
        Where-Object { -not ($_.Attributes -band [System.IO.FileAttributes]::ReparsePoint) }
}

$folders | Select-Object -Skip 1 | ForEach-Object {
    $bytes = Get-FolderBytes $_
    [PSCustomObject]@{
        Folder = $_.FullName
        SizeGB = [math]::Round($bytes / 1GB, 2)
        Bytes  = $bytes
    }
} | Sort-Object Bytes -Descending | Select-Object -First $Top | Format-Table Folder, SizeGB -AutoSize
