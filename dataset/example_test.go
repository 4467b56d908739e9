package dataset_test

import (
	"fmt"
	"strings"

	"github.com/lwl-go/lwl/dataset"
)

func ExampleLEDM() {
	y := dataset.LEDM(4)
	for i := range y.Rows {
		fmt.Printf("%.4f\n", y.Row(i))
	}
	// Output:
	// [0.0000 0.1111 0.4444 1.0000]
	// [0.1111 0.0000 0.1111 0.4444]
	// [0.4444 0.1111 0.0000 0.1111]
	// [1.0000 0.4444 0.1111 0.0000]
}

func ExampleParseCSV() {
	in := "x,y,z\n1,2,3\n4,5,6\n"
	m, err := dataset.ParseCSV(strings.NewReader(in), "data.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Rows, m.Cols, m.Data)

	_, err = dataset.ParseCSV(strings.NewReader(in+"7,8,abc\n"), "data.csv")
	fmt.Println(err)
	// Output:
	// 2 3 [1 2 3 4 5 6]
	// dataset: data.csv:4: column 3: "abc" is not a number
}
