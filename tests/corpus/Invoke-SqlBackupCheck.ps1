<#
.SYNOPSIS
    Checks that every database on the listed SQL Server instances had a full backup in the
    last 24 hours and a log backup in the last hour (for FULL recovery databases).
#>
param(
    [string[]]$Instance = @('sql01', 'sql02\REPORTING', 'sql03'),
    [int]$FullHours = 24,
    [int]$LogMinutes = 60
)

$query = @"
SELECT  d.name                                   AS [Database],
        d.recovery_model_desc                    AS RecoveryModel,
        MAX(CASE WHEN b.type = 'D' THEN b.backup_finish_date END) AS LastFull,
        MAX(CASE WHEN b.type = 'L' THEN b.backup_finish_date END) AS LastLog
FROM    sys.databases d
LEFT JOIN msdb.dbo.backupset b ON b.database_name = d.name
WHERE   d.name <> 'tempdb' AND d.state_desc = 'ONLINE'
GROUP BY d.name, d.recovery_model_desc
ORDER BY d.name;
"@

$now = Get-Date
$problems = foreach ($inst in $Instance) {
    $cs = "Server=$inst;Database=master;Integrated Security=True;Connect Timeout=10;Application Name=BackupCheck"
    $conn = New-Object System.Data.SqlClient.SqlConnection $cs
    try {
        $conn.Open()
        $cmd = $conn.CreateCommand()
        $cmd.CommandText = $query
        $cmd.CommandTimeout = 60
        $table = New-Object System.Data.DataTable
        $table.Load($cmd.ExecuteReader())

        foreach ($row in $table.Rows) {
            $lastFull = if ($row.LastFull -is [DBNull]) { $null } else { [datetime]$row.LastFull }
            $lastLog = if ($row.LastLog -is [DBNull]) { $null } else { [datetime]$row.LastLog }
            $issues = @()
            if (-not $lastFull -or ($now - $lastFull).TotalHours -gt $FullHours) { $issues += 'full backup too old' }
            if ($row.RecoveryModel -eq 'FULL' -and (-not $lastLog -or ($now - $lastLog).TotalMinutes -gt $LogMinutes)) { $issues += 'log backup too old' }
            if ($issues) {
                [PSCustomObject]@{
                    Instance = $inst
                    Database = $row.Database
                    Recovery = $row.RecoveryModel
                    LastFull = $lastFull
                    LastLog  = $lastLog
                    Issue    = $issues -join ', '
                }
            }
        }
    }
    catch [System.Data.SqlClient.SqlException] {
        [PSCustomObject]@{ Instance = $inst; Database = '*'; Recovery = $null; LastFull = $null; LastLog = $null; Issue = "Connection failed: $($_.Exception.Message)" }
    }
    finally {
        $conn.Dispose()
    }
}

if ($problems) {
    $problems | Format-Table -AutoSize
    exit 2
}
Write-Output "All databases on $($Instance.Count) instance(s) are backed up."
