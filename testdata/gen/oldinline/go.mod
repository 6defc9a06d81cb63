module oldinline

go 1.15
