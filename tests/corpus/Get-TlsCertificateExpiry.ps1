<#
.SYNOPSIS
    Connects to TLS endpoints and reports the server certificate's expiry, issuer, SANs and
    negotiated protocol. Does not validate the chain so expired certificates are reported
    rather than failing the connection.
.EXAMPLE
    'mail.contoso.com:443', 'sts.contoso.com', 'smtp.contoso.com:587' | .\Get-TlsCertificateExpiry.ps1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, ValueFromPipeline)]
    [string[]]$Endpoint,

    [int]$TimeoutMs = 5000,

    [int]$WarnDays = 30
)

process {
    foreach ($ep in $Endpoint) {
        $hostName, $port = $ep -split ':', 2
        $port = if ($port) { [int]$port } else { 443 }

        $client = [System.Net.Sockets.TcpClient]::new()
        $result = [ordered]@{
            Endpoint = '{0}:{1}' -f $hostName, $port
            Subject  = $null
            Issuer   = $null
            NotAfter = $null
            DaysLeft = $null
            Protocol = $null
            SANs     = $null
            Status   = $null
        }
        try {
            $connect = $client.BeginConnect($hostName, $port, $null, $null)
            if (-not $connect.AsyncWaitHandle.WaitOne($TimeoutMs)) {
                throw [System.TimeoutException]::new("No answer within $TimeoutMs ms")
            }
            $client.EndConnect($connect)

            $callback = [System.Net.Security.RemoteCertificateValidationCallback] { param($s, $cert, $chain, $errors) $true }
            $ssl = [System.Net.Security.SslStream]::new($client.GetStream(), $false, $callback)
            try {
                $ssl.AuthenticateAsClient($hostName)
                $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($ssl.RemoteCertificate)
                $san = $cert.Extensions | Where-Object { $_.Oid.Value -eq '2.5.29.17' }
                $result.Subject = $cert.Subject
                $result.Issuer = $cert.Issuer
                $result.NotAfter = $cert.NotAfter
                $result.DaysLeft = [int][math]::Floor(($cert.NotAfter - (Get-Date)).TotalDays)
                $result.Protocol = [string]$ssl.SslProtocol
                $result.SANs = if ($san) { ($san.Format($false) -replace 'DNS Name=', '') -replace ',\s*', ' ' } else { '' }
                $result.Status = switch ($result.DaysLeft) {
                    { $_ -lt 0 } { 'EXPIRED'; break }
                    { $_ -lt $WarnDays } { 'Expiring'; break }
                    default { 'OK' }
                }
            }
            finally {
                $ssl.Dispose()
            }
        }
        catch [System.Security.Authentication.AuthenticationException] {
            $result.Status = "TLS handshake failed: $($_.Exception.Message)"
        }
        catch {
            $result.Status = "Error: $($_.Exception.Message)"
        }
        finally {
            $client.Dispose()
        }
        [PSCustomObject]$result
    }
}
