"""Travel times and address lookup behind one small interface (matrix + locate)."""
