module dumpprog

go 1.19
