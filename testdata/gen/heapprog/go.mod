module heapprog

go 1.19
