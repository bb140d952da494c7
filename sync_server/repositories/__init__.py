"""All of the server's SQL. Every function takes a connection already scoped to one tenant."""
