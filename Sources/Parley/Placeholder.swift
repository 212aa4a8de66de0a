// Parley
