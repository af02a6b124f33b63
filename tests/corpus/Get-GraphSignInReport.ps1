<#
.SYNOPSIS
    Pulls sign-in logs from Microsoft Graph with app-only auth and summarises legacy
    authentication use per user and client app.
.NOTES
    The app registration needs AuditLog.Read.All and Directory.Read.All (application).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$TenantId,
    [Parameter(Mandatory)][string]$ClientId,
    [Parameter(Mandatory)][string]$CertificateThumbprint,
    [ValidateRange(1, 30)][int]$Days = 7,
    [string]$OutFile = '.\legacy-auth-signins.csv'
)

function Get-GraphToken {
    param([string]$TenantId, [string]$ClientId, [string]$Thumbprint)

    $cert = Get-Item -Path "Cert:\CurrentUser\My\$Thumbprint" -ErrorAction SilentlyContinue
    if (-not $cert) { $cert = Get-Item -Path "Cert:\LocalMachine\My\$Thumbprint" }

    $b64url = { param([byte[]]$b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = @{ alg = 'RS256'; typ = 'JWT'; x5t = (& $b64url $cert.GetCertHash()) } | ConvertTo-Json -Compress
    $claims = @{
        aud = "https://login.microsoftonline.com/$TenantId/oauth2/v2.0/token"
        iss = $ClientId
        sub = $ClientId
        jti = [guid]::NewGuid().ToString()
        nbf = $now
        exp = $now + 600
    } | ConvertTo-Json -Compress
    $unsigned = '{0}.{1}' -f (& $b64url ([Text.Encoding]::UTF8.GetBytes($header))), (& $b64url ([Text.Encoding]::UTF8.GetBytes($claims)))
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
    $sig = $rsa.SignData([Text.Encoding]::UTF8.GetBytes($unsigned), [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $assertion = '{0}.{1}' -f $unsigned, (& $b64url $sig)

    $body = @{
        client_id             = $ClientId
        scope                 = 'https://graph.microsoft.com/.default'
        grant_type            = 'client_credentials'
        client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        client_assertion      = $assertion
    }
    (Invoke-RestMethod -Method Post -Uri "https://login.microsoftonline.com/$TenantId/oauth2/v2.0/token" -Body $body -ContentType 'application/x-www-form-urlencoded').access_token
}

function Invoke-GraphPaged {
    param([string]$Uri, [string]$Token)
    $headers = @{ Authorization = "Bearer $Token"; ConsistencyLevel = 'eventual' }
    $next = $Uri
    do {
        $attempt = 0
        while ($true) {
            try {
                $page = Invoke-RestMethod -Uri $next -Headers $headers -Method Get -ErrorAction Stop
                break
            }
            catch [System.Net.WebException] {
                $resp = $_.Exception.Response
                $status = if ($resp) { [int]$resp.StatusCode } else { 0 }
                if ($status -in 429, 503, 504 -and $attempt -lt 5) {
                    $attempt++
                    $retry = $resp.Headers['Retry-After']
                    $wait = if ($retry) { [int]$retry } else { [math]::Pow(2, $attempt) }
                    Write-Verbose "Throttled ($status); waiting $wait s"
                    Start-Sleep -Seconds $wait
                    continue
                }
                throw
            }
        }
        $page.value
        $next = $page.'@odata.nextLink'
    } while ($next)
}

$token = Get-GraphToken -TenantId $TenantId -ClientId $ClientId -Thumbprint $CertificateThumbprint
$since = (Get-Date).ToUniversalTime().AddDays(-$Days).ToString('yyyy-MM-ddTHH:mm:ssZ')
$legacyApps = 'Exchange ActiveSync', 'IMAP4', 'POP3', 'Authenticated SMTP', 'Exchange Web Services', 'Other clients', 'MAPI Over HTTP', 'Offline Address Book', 'Exchange Online PowerShell', 'AutoDiscover'
$filter = [uri]::EscapeDataString("createdDateTime ge $since")
$uri = "https://graph.microsoft.com/v1.0/auditLogs/signIns?`$filter=$filter&`$top=999"

$signIns = Invoke-GraphPaged -Uri $uri -Token $token | Where-Object { $_.clientAppUsed -in $legacyApps }

$summary = $signIns | Group-Object userPrincipalName, clientAppUsed | ForEach-Object {
    $first = $_.Group[0]
    [PSCustomObject]@{
        User       = $first.userPrincipalName
        ClientApp  = $first.clientAppUsed
        SignIns    = $_.Count
        Failures   = @($_.Group | Where-Object { $_.status.errorCode -ne 0 }).Count
        LastSeen   = ($_.Group.createdDateTime | Sort-Object -Descending | Select-Object -First 1)
        IpAddresses = ($_.Group.ipAddress | Sort-Object -Unique) -join ' '
    }
} | Sort-Object SignIns -Descending

$summary | Export-Csv -Path $OutFile -NoTypeInformation -Encoding UTF8
"{0} legacy sign-ins by {1} users in the last {2} days -> {3}" -f @($signIns).Count, @($summary.User | Select-Object -Unique).Count, $Days, $OutFile
