/** One validation finding: where (a field path such as `spec.parameters[lr].max`), and what rule. */
export interface Issue {
  code: string;
  path: string;
  message: string;
}
