"""Stage 3, checked policy + facts on a date -> a Decision with its trace."""
