namespace printgate::printer {}
