}
Get-Date
)
