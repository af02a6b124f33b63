Write-Host 'never closed
