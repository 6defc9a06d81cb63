module netleak

go 1.21
