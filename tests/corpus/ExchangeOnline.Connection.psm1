<#
    ExchangeOnline.Connection.psm1
    Shared connection helpers used by the helpdesk scripts since 2016. Still uses the
    remote PowerShell endpoint; see ticket CHG-2291 for the migration plan.
#>

$script:ExoSession = $null
$script:SccSession = $null
$script:DefaultUri = 'https://outlook.office365.com/powershell-liveid/'

function Get-SavedCredential {
    [CmdletBinding()]
    [OutputType([pscredential])]
    param(
        [string]$Name = 'exo-admin',
        [string]$Folder = (Join-Path $env:APPDATA 'HelpdeskTools')
    )
    $file = Join-Path $Folder "$Name.clixml"
    if (Test-Path $file) {
        try {
            return Import-Clixml -Path $file
        }
        catch {
            Write-Warning "Saved credential $file is unreadable; prompting instead."
        }
    }
    $cred = Get-Credential -Message "Credential for $Name"
    if ($cred) {
        if (-not (Test-Path $Folder)) { New-Item -ItemType Directory -Path $Folder | Out-Null }
        $cred | Export-Clixml -Path $file
    }
    $cred
}

function Connect-O365 {
    <#
    .SYNOPSIS
        Connects to Exchange Online and optionally Security & Compliance.
    .PARAMETER Credential
        Admin credential; read from the saved file when omitted.
    .PARAMETER Compliance
        Also connect to Security & Compliance with the cc prefix.
    .EXAMPLE
        Connect-O365 -Compliance
    #>
    [CmdletBinding()]
    param(
        [pscredential]$Credential,
        [switch]$Compliance,
        [string]$ConnectionUri = $script:DefaultUri
    )

    begin {
        if (-not $Credential) {
            $Credential = Get-SavedCredential
        }
        $proxy = [System.Net.WebRequest]::GetSystemWebProxy()
        $useProxy = -not $proxy.IsBypassed([uri]$ConnectionUri)
        if ($useProxy) {
            $opt = New-PSSessionOption -ProxyAccessType IEConfig -ProxyAuthentication Negotiate
        }
        else {
            $opt = New-PSSessionOption
        }
    }

    process {
        if ($script:ExoSession -and $script:ExoSession.State -eq 'Opened') {
            Write-Verbose 'Reusing the existing Exchange Online session'
        }
        else {
            $script:ExoSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $ConnectionUri `
                -Credential $Credential -Authentication Basic -AllowRedirection -SessionOption $opt -ErrorAction Stop
        }

        if ($Compliance) {
            $script:SccSession = New-PSSession -ConfigurationName Microsoft.Exchange `
                -ConnectionUri https://ps.compliance.protection.outlook.com/powershell-liveid/ `
                -Credential $Credential -Authentication Basic -AllowRedirection -SessionOption $opt
        }
    }

    end {
        Import-Module (Import-PSSession $script:ExoSession -DisableNameChecking -AllowClobber) -Global | Out-Null
        if ($script:SccSession) {
            Import-Module (Import-PSSession $script:SccSession -Prefix cc -AllowClobber) -Global | Out-Null
        }
        $tenant = (Get-OrganizationConfig).DisplayName
        Write-Host "Connected to $tenant" -ForegroundColor Green
    }
}

function Test-O365Connection {
    [CmdletBinding()]
    [OutputType([bool])]
    param()
    $open = Get-PSSession | Where-Object {
        $_.ConfigurationName -eq 'Microsoft.Exchange' -and
        $_.ComputerName -like '*.outlook.com' -and
        $_.State -eq 'Opened'
    }
    [bool]$open
}

function Disconnect-O365 {
    [CmdletBinding()]
    param()
    foreach ($s in @($script:ExoSession, $script:SccSession)) {
        if ($s) {
            Remove-PSSession -Session $s -ErrorAction SilentlyContinue
        }
    }
    $script:ExoSession = $null
    $script:SccSession = $null
    Get-Module tmp_* | Remove-Module -ErrorAction SilentlyContinue
}

function Invoke-WithReconnect {
    <#
    .SYNOPSIS
        Runs a script block and reconnects once if the session has dropped.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [scriptblock]$ScriptBlock,

        [int]$MaxAttempts = 2
    )
    for ($attempt = 1; $attempt -le $MaxAttempts; $attempt++) {
        try {
            return & $ScriptBlock
        }
        catch [System.Management.Automation.Remoting.PSRemotingTransportException] {
            Write-Warning "Session lost (attempt $attempt): reconnecting"
            Disconnect-O365
            Connect-O365
        }
    }
    throw "Giving up after $MaxAttempts attempts"
}

Export-ModuleMember -Function Connect-O365, Disconnect-O365, Test-O365Connection, Invoke-WithReconnect, Get-SavedCredential
