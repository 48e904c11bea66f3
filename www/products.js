// The demo store's catalog (a real store would render this server-side).
window.DEMO_PRODUCTS = [
  { item_id: 'tee-basic', item_name: 'ベーシックTシャツ', item_brand: 'Kinari', item_category: 'apparel/tops', price: 1980, stock: 24, color: '#e8d5b7' },
  { item_id: 'linen-shirt', item_name: 'リネンシャツ', item_brand: 'Kinari', item_category: 'apparel/tops', price: 5990, stock: 2, color: '#c9d8c5' },
  { item_id: 'denim-jacket', item_name: 'デニムジャケット', item_brand: 'Indigo Works', item_category: 'apparel/outer', price: 12800, stock: 0, color: '#5b7db1' },
  { item_id: 'wool-coat', item_name: 'ウールチェスターコート', item_brand: 'Indigo Works', item_category: 'apparel/outer', price: 29800, stock: 3, color: '#8b6f5a' },
  { item_id: 'canvas-sneakers', item_name: 'キャンバススニーカー', item_brand: 'Step', item_category: 'apparel/shoes', price: 6490, stock: 15, color: '#f2f2f2' },
  { item_id: 'wireless-earbuds', item_name: 'ワイヤレスイヤホン Pro', item_brand: 'Sonora', item_category: 'electronics/audio', price: 14800, stock: 1, color: '#2d3748' },
  { item_id: 'mirrorless-camera', item_name: 'ミラーレスカメラ α10', item_brand: 'Lumix-ish', item_category: 'electronics/camera', price: 89800, stock: 5, color: '#4a5568' },
  { item_id: 'sd-card-128', item_name: 'SDカード 128GB', item_brand: 'Sonora', item_category: 'electronics/accessories', price: 3280, stock: 40, color: '#e53e3e' },
  { item_id: 'usb-c-charger', item_name: 'USB-C 急速充電器 65W', item_brand: 'Volt', item_category: 'electronics/accessories', price: 2980, stock: 0, color: '#718096' },
  { item_id: 'smartwatch', item_name: 'スマートウォッチ S2', item_brand: 'Volt', item_category: 'electronics/wearables', price: 24800, stock: 2, color: '#319795' }
];
