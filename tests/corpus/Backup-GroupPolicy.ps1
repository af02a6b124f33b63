# Nightly GPO backup with HTML reports and a manifest, keeping 30 generations.
#Requires -Modules GroupPolicy

$root = '\\fs01.corp.contoso.com\backup$\GPO'
$stamp = Get-Date -Format 'yyyy-MM-dd_HHmm'
$target = Join-Path $root $stamp
New-Item -ItemType Directory -Path $target -Force | Out-Null

$gpos = Get-GPO -All
$manifest = foreach ($gpo in $gpos) {
	$backup = Backup-GPO -Guid $gpo.Id -Path $target -Comment "Nightly $stamp"
	$safeName = $gpo.DisplayName -replace '[\\/:*?"<>|]', '_'
	Get-GPOReport -Guid $gpo.Id -ReportType Html -Path (Join-Path $target "$safeName.html")
	[PSCustomObject]@{
		Name     = $gpo.DisplayName
		Id       = $gpo.Id
		BackupId = $backup.Id
		Modified = $gpo.ModificationTime
		Status   = $gpo.GpoStatus
		Links    = ([xml](Get-GPOReport -Guid $gpo.Id -ReportType Xml)).GPO.LinksTo.SOMPath -join '; '
	}
}
$manifest | Export-Csv -Path (Join-Path $target 'manifest.csv') -NoTypeInformation

# Unlinked GPOs are the usual clean-up candidates; list them in the job output.
$manifest | Where-Object { -not $_.Links } | Select-Object Name, Modified | Format-Table -AutoSize

Get-ChildItem -Path $root -Directory |
	Sort-Object Name -Descending |
	Select-Object -Skip 30 |
	Remove-Item -Recurse -Force

"{0} GPOs backed up to {1}" -f $gpos.Count, $target
