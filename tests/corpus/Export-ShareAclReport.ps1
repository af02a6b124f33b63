<#
.SYNOPSIS
    Exports NTFS permissions of share folders down to a given depth, flagging explicit
    user (non-group) entries and broken inheritance.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string[]]$Path,
    [ValidateRange(0, 5)][int]$Depth = 2,
    [string]$OutFile = ".\acl-report-$(Get-Date -Format yyyyMMdd).csv",
    [string[]]$IgnoreIdentity = @('NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators', 'CREATOR OWNER')
)

$groupCache = @{}
function Test-IsGroup {
    param([string]$Identity)
    if ($groupCache.ContainsKey($Identity)) { return $groupCache[$Identity] }
    $sam = ($Identity -split '\\')[-1]
    $isGroup = [bool](Get-ADGroup -Filter "SamAccountName -eq '$sam'" -ErrorAction SilentlyContinue)
    $groupCache[$Identity] = $isGroup
    $isGroup
}

$folders = foreach ($p in $Path) {
    Get-Item -LiteralPath $p
    Get-ChildItem -LiteralPath $p -Directory -Recurse -Depth ($Depth - 1) -ErrorAction SilentlyContinue
}

$rows = foreach ($f in $folders) {
    try {
        $acl = Get-Acl -LiteralPath $f.FullName
    }
    catch [System.UnauthorizedAccessException] {
        [PSCustomObject]@{ Folder = $f.FullName; Identity = '(access denied)'; Rights = $null; Type = $null; Inherited = $null; InheritanceBroken = $null; UserAce = $null }
        continue
    }
    foreach ($ace in $acl.Access) {
        $id = $ace.IdentityReference.Value
        if ($IgnoreIdentity -contains $id) { continue }
        [PSCustomObject]@{
            Folder            = $f.FullName
            Identity          = $id
            Rights            = $ace.FileSystemRights -replace ', Synchronize', ''
            Type              = $ace.AccessControlType
            Inherited         = $ace.IsInherited
            InheritanceBroken = $acl.AreAccessRulesProtected
            UserAce           = -not $ace.IsInherited -and $id -like 'CORP\*' -and -not (Test-IsGroup $id)
        }
    }
}

$rows | Export-Csv -Path $OutFile -NoTypeInformation -Encoding UTF8
$userAces = @($rows | Where-Object UserAce)
Write-Host ("{0} ACEs on {1} folders; {2} explicit user ACEs; {3} folders with inheritance broken" -f `
    $rows.Count, @($folders).Count, $userAces.Count, @($rows | Where-Object InheritanceBroken | Select-Object -Unique Folder).Count)
