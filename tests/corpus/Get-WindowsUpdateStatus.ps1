<#
.SYNOPSIS
	Reports missing updates via the Windows Update Agent COM API, locally or through
	Invoke-Command. No module needed, works on Server 2012 R2 and later.
#>
[CmdletBinding()]
param(
	[string[]]$ComputerName = @($env:COMPUTERNAME),
	[switch]$IncludeOptional
)

$scan = {
	param([bool]$Optional)
	$session = New-Object -ComObject Microsoft.Update.Session
	$searcher = $session.CreateUpdateSearcher()
	$criteria = "IsInstalled=0 and IsHidden=0 and Type='Software'"
	try {
		$result = $searcher.Search($criteria)
	}
	catch [System.Runtime.InteropServices.COMException] {
		# 0x8024402C = proxy/WSUS unreachable, 0x80072EE2 = timeout
		$hr = '0x{0:X8}' -f $_.Exception.HResult
		return [PSCustomObject]@{ Computer = $env:COMPUTERNAME; Title = "Search failed ($hr)"; KB = $null; Severity = 'Error'; SizeMB = 0; Released = $null }
	}
	foreach ($u in $result.Updates) {
		$isOptional = -not $u.AutoSelectOnWebSites
		if ($isOptional -and -not $Optional) { continue }
		[PSCustomObject]@{
			Computer = $env:COMPUTERNAME
			Title    = $u.Title
			KB       = ($u.KBArticleIDs | ForEach-Object { "KB$_" }) -join ','
			Severity = if ($u.MsrcSeverity) { $u.MsrcSeverity } elseif ($isOptional) { 'Optional' } else { 'Unspecified' }
			SizeMB   = [math]::Round($u.MaxDownloadSize / 1MB, 1)
			Released = $u.LastDeploymentChangeTime
		}
	}
}

$local = $ComputerName | Where-Object { $_ -in $env:COMPUTERNAME, 'localhost' }
$remote = $ComputerName | Where-Object { $_ -notin $env:COMPUTERNAME, 'localhost' }

$all = @()
if ($local) { $all += & $scan ([bool]$IncludeOptional) }
if ($remote) {
	$all += Invoke-Command -ComputerName $remote -ScriptBlock $scan -ArgumentList ([bool]$IncludeOptional) -ErrorAction SilentlyContinue -ErrorVariable failed
	foreach ($f in $failed) {
		$all += [PSCustomObject]@{ Computer = $f.TargetObject; Title = 'Unreachable'; KB = $null; Severity = 'Error'; SizeMB = 0; Released = $null }
	}
}

$order = @{ Critical = 0; Important = 1; Moderate = 2; Low = 3; Unspecified = 4; Optional = 5; Error = -1 }
$all | Sort-Object Computer, { $order[$_.Severity] }, Released |
	Format-Table Computer, Severity, KB, SizeMB, Title -AutoSize -Wrap

$all | Group-Object Computer | ForEach-Object {
	$crit = @($_.Group | Where-Object Severity -in 'Critical', 'Important').Count
	'{0}: {1} missing, {2} critical/important' -f $_.Name, $_.Count, $crit
}
