module memprog

go 1.19
