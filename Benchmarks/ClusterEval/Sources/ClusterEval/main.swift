ClusterEval.main()
