module symcross

go 1.19
