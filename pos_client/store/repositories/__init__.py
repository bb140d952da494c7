"""All of the client's SQL, one module per table family. Functions take an open connection."""
