package shop

import "time"

// Item is one thing on a shop's menu.
type Item struct {
	Name  string
	Price int64 // yen, tax included
}

// Rush multiplies the base rate between two local times of day (minutes
// after midnight).
type Rush struct {
	From, To int
	Factor   float64
}

// Profile is the rhythm of a kind of shop.
type Profile struct {
	Name string
	// Open and Close are local minutes after midnight; sales happen between.
	Open, Close int
	// PerHour is the mean number of sales an hour outside rush hours.
	PerHour float64
	Rush    []Rush
	// WeekendFactor scales the rate on Saturdays and Sundays.
	WeekendFactor float64
	Menu          []Item
}

// Tokyo is where the shops are.
var Tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}()

// The shop kinds the generator knows. A terminal's kind follows from its
// seed, so a large simulated country has a mix of them.
var Profiles = []Profile{
	{
		Name: "cafe", Open: 7 * 60, Close: 20 * 60, PerHour: 8, WeekendFactor: 1.3,
		Rush: []Rush{{7*60 + 30, 9 * 60, 2.5}, {12 * 60, 13*60 + 30, 2}, {15 * 60, 16 * 60, 1.5}},
		Menu: []Item{{"ブレンドコーヒー", 450}, {"カフェラテ", 520}, {"アイスティー", 480}, {"抹茶ラテ", 580},
			{"クロワッサン", 320}, {"サンドイッチ", 680}, {"チーズケーキ", 550}, {"モーニングセット", 780}},
	},
	{
		Name: "ramen", Open: 11 * 60, Close: 23 * 60, PerHour: 10, WeekendFactor: 1.2,
		Rush: []Rush{{11*60 + 45, 13*60 + 15, 3}, {18 * 60, 20*60 + 30, 2.5}},
		Menu: []Item{{"醤油ラーメン", 850}, {"味噌ラーメン", 950}, {"つけ麺", 1000}, {"餃子", 400},
			{"チャーハン", 750}, {"ライス", 200}, {"生ビール", 600}, {"煮玉子", 150}},
	},
	{
		Name: "retail", Open: 10 * 60, Close: 21 * 60, PerHour: 6, WeekendFactor: 1.6,
		Rush: []Rush{{17 * 60, 19 * 60, 1.8}},
		Menu: []Item{{"Tシャツ", 2980}, {"トートバッグ", 1980}, {"マグカップ", 1500}, {"ノート", 480},
			{"ボールペン", 220}, {"キャップ", 3500}, {"ハンカチ", 880}, {"ギフト包装", 110}},
	},
}

// StaffNames are the cashiers' names a terminal draws from.
var StaffNames = []string{
	"佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 翔太", "伊藤 さくら", "渡辺 健太",
	"山本 結衣", "中村 大輔", "小林 陽菜", "加藤 拓海", "吉田 愛", "山田 太郎",
}

// rate is the mean number of sales in the minute starting at t (local).
func (p *Profile) rate(t time.Time) float64 {
	min := t.Hour()*60 + t.Minute()
	if min < p.Open || min >= p.Close {
		return 0
	}
	r := p.PerHour / 60
	for _, rush := range p.Rush {
		if min >= rush.From && min < rush.To {
			r *= rush.Factor
		}
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		r *= p.WeekendFactor
	}
	return r
}
