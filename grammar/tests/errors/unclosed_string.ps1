Write-Host "never closed
Get-Date
