module addrprog

go 1.19
