EmbedBench.main()
