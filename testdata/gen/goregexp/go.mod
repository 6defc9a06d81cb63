module goregexp

go 1.19
