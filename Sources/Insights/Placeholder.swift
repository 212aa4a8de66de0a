// Insights
